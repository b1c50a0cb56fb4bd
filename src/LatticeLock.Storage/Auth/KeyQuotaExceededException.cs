namespace LatticeLock.Storage.Auth;

/// <summary>The user already holds the most active API keys allowed; nothing was stored.</summary>
public sealed class KeyQuotaExceededException(long held, int limit)
    : Exception($"the user holds {held} active API keys, the limit ({limit}, LatticeLock__Auth__MaxActiveKeysPerUser); revoke one first")
{
    public int Limit { get; } = limit;
}
