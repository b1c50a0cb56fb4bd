namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Picks the token source the options call for. Only two authentication modes exist: a fixed access token
/// (<c>Metrics:Bigtable:AccessToken</c>) or tokens from the GCE metadata server. Plaintext (emulator) endpoints get none.
/// </summary>
public static class BigtableAccessTokens
{
    public static IBigtableAccessTokenSource For(BigtableOptions options, HttpClient metadataHttp, TimeProvider clock) =>
        options.IsPlaintext && string.IsNullOrEmpty(options.AccessToken) ? StaticAccessTokenSource.None
        : !string.IsNullOrEmpty(options.AccessToken) ? new StaticAccessTokenSource(options.AccessToken)
        : new GceMetadataAccessTokenSource(metadataHttp, options.MetadataTokenUrl, clock);
}
