using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// How long an acknowledged write may take (section <c>LatticeLock:Commit</c>), the one source of that limit for the
/// group commits (model requests, spans) and every single confirmed write: a commit not confirmed within
/// <see cref="Timeout"/> (a hanging server, a missing synchronous standby) is answered 503 and not acknowledged.
/// The primary pool's <c>Command Timeout</c> is set from it (one second more), so no statement outlives it unnoticed.
/// </summary>
public sealed class CommitOptions
{
    public const string Section = "LatticeLock:Commit";

    /// <summary>A commit not confirmed within this time is refused (503, retry with the same id).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the silo is asked to stop, callers whose writes are still uncommitted this long afterwards (their commits
    /// hang: a lost synchronous standby, a frozen server) are answered 503 and not acknowledged, so they retry on
    /// another silo while this one finishes stopping within <c>LatticeLock:Silo:ShutdownTimeout</c>.
    /// </summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The primary pool's connection string: its <c>Command Timeout</c> one second above <see cref="Timeout"/>.</summary>
    public string ForDataSource(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = (int)Math.Ceiling(Timeout.TotalSeconds) + 1 }.ConnectionString;
}

public sealed class CommitOptionsValidator : IValidateOptions<CommitOptions>
{
    public ValidateOptionsResult Validate(string? name, CommitOptions o)
    {
        var errors = new List<string>();
        if (o.Timeout < TimeSpan.FromSeconds(1) || o.Timeout > TimeSpan.FromMinutes(10))
            errors.Add($"{CommitOptions.Section}:Timeout must be between 1 second and 10 minutes (got {o.Timeout})");
        if (o.ShutdownDrainTimeout < TimeSpan.Zero || o.ShutdownDrainTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"{CommitOptions.Section}:ShutdownDrainTimeout must be between 0 and 10 minutes (got {o.ShutdownDrainTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
