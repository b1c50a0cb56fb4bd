using LatticeLock.Storage.Secrets;

namespace LatticeLock.Silo.Secrets;

/// <summary>
/// This silo's master key for provider credentials, read once from <c>LatticeLock:Secrets:MasterKey</c> or
/// <c>…:MasterKeyFile</c> (a malformed one fails start-up naming the setting). Null when neither is set: credentials
/// then answer 503, and start-up refuses if any are stored (<see cref="MasterKeyCheck"/>).
/// </summary>
public sealed class SecretsMasterKey(IConfiguration configuration)
{
    public MasterKey? Key { get; } = MasterKey.FromSettings(configuration["LatticeLock:Secrets:MasterKey"], configuration["LatticeLock:Secrets:MasterKeyFile"]);

    /// <summary>The key, or 503 naming the setting.</summary>
    public MasterKey Require() => Key ?? throw new Http.ApiProblem(StatusCodes.Status503ServiceUnavailable,
        $"provider credentials need a master key: set {MasterKey.Setting} (or {MasterKey.FileSetting}) on every silo");
}
