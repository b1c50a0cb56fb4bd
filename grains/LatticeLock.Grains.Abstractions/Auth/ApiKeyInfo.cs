namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>A stored API key as lists show it: never the secret, never the hash.</summary>
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
    DateTimeOffset? LastUsedAt);
