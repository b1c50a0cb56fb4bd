namespace LatticeLock.Metrics.Bigtable;

/// <summary>A fixed token from configuration (<c>Metrics:Bigtable:AccessToken</c>); null for none (the emulator).</summary>
public sealed class StaticAccessTokenSource(string? accessToken) : IBigtableAccessTokenSource
{
    public static readonly StaticAccessTokenSource None = new(null);

    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(accessToken);
}
