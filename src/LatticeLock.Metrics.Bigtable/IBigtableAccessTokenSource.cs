namespace LatticeLock.Metrics.Bigtable;

/// <summary>Supplies the OAuth2 bearer token sent with each Bigtable call (null: send none, as for the emulator).</summary>
public interface IBigtableAccessTokenSource
{
    ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken);
}
