namespace LatticeLock.Storage.Auth;

/// <summary>The user (or, for keys its admins make for members, the workspace) already holds the most active API keys allowed; nothing was stored.</summary>
public sealed class KeyQuotaExceededException(long held, int limit, bool minted = false)
    : Exception(minted
        ? $"the workspace holds {held} active API keys made by its admins for members, the limit ({limit}); revoke one first"
        : $"the user holds {held} active API keys, the limit ({limit}, LatticeLock__Auth__MaxActiveKeysPerUser); revoke one first")
{
    public int Limit { get; } = limit;
}
