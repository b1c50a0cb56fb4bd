namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>
/// A stored API key as lists show it: never the secret, never the hash. <see cref="CreatedBy"/> is the key that made
/// it (null for keys made with <c>lattice keys create</c>); revoking a key revokes every key made from it.
/// <see cref="RateLimitPerSecond"/> and <see cref="MaxConcurrentRequests"/> override the silo's per-key limits (null: the defaults).
/// <see cref="WorkspaceId"/>: the one workspace the key acts in (null: every workspace of its user).
/// <see cref="MintedBy"/>: the workspace admin or owner who made this key for another member (or made the key it was made
/// from); the key acts only while that user still manages keys there at the key user's role or above.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    Guid Id,
    Guid UserId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    Guid? CreatedBy = null,
    int? RateLimitPerSecond = null,
    int? MaxConcurrentRequests = null,
    Guid? WorkspaceId = null,
    Guid? MintedBy = null);
