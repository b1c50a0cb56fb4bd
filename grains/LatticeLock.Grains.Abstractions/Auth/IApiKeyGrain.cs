namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>
/// One API key, keyed by its lookup prefix. Its single activation in the cluster is what every silo asks, so a
/// revocation is seen everywhere at once; last-use times are kept in memory and written in the background.
/// </summary>
[Alias("ll.IApiKeyGrain")]
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Checks the SHA-256 of a presented key; the secret itself never leaves the gateway.</summary>
    [Alias("Authenticate")] Task<AuthenticationResult> Authenticate(byte[] keyHash);
    [Alias("Revoke")] Task<IReadOnlyList<string>> Revoke(CancellationToken cancellationToken = default);
    /// <summary>Reloads the key from PostgreSQL (after a change made outside the grain, e.g. by the CLI).</summary>
    [Alias("Reload")] Task Reload(CancellationToken cancellationToken = default);
}
