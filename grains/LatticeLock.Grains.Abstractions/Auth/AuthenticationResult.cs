namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>
/// Either <see cref="Principal"/> (authenticated) or <see cref="FailureReason"/> (unknown, expired, revoked…);
/// <see cref="UnknownKey"/> when no key has that prefix at all (a gateway may remember that briefly).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.AuthenticationResult")]
public sealed record AuthenticationResult(ApiKeyPrincipal? Principal, string? FailureReason, bool UnknownKey = false)
{
    public static AuthenticationResult Fail(string reason, bool unknownKey = false) => new(null, reason, unknownKey);
}

[GenerateSerializer, Immutable, Alias("ll.ApiKeyPrincipal")]
public sealed record ApiKeyPrincipal(Guid KeyId, Guid UserId, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt,
    int? RateLimitPerSecond = null, int? MaxConcurrentRequests = null, Guid? WorkspaceId = null, Guid? MintedBy = null)
{
    public bool IsAdmin => Scopes.Contains(ApiScopes.Admin);

    public bool Has(string scope) => IsAdmin || Scopes.Contains(scope);

    /// <summary>Whether this key holds every one of <paramref name="scopes"/> (admin holds all).</summary>
    public bool HasAll(IEnumerable<string> scopes) => scopes.All(Has);
}
