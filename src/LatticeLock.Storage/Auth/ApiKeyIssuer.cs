using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Users;
using LatticeLock.Storage.Workspaces;

namespace LatticeLock.Storage.Auth;

/// <summary>What a new key should be: its owner, label, scopes, expiry and optional limits.</summary>
public sealed record KeyIssue(Guid UserId, string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt,
    int? RateLimitPerSecond = null, int? MaxConcurrentRequests = null, Guid? WorkspaceId = null);

/// <summary>A key as stored, with its plaintext (shown this once).</summary>
public sealed record IssuedKey(ApiKeyInfo Info, string Key);

/// <summary>The silo's key limits a new key is checked against (its defaults, and how many active keys a user may hold).</summary>
public sealed record KeyIssuePolicy(int MaxActiveKeysPerUser, int DefaultRequestsPerSecond, int DefaultMaxConcurrentRequests);

/// <summary>
/// The one way an API key is issued, by <c>POST /v1/users/{id}/api-keys</c> and by <c>lattice keys create</c> alike:
/// checks the request (400 naming the field), what the creating key may grant (403: only scopes, expiry and limits it
/// has itself; <paramref name="creator"/> null is the operator at the CLI, who may grant anything), the owner (404),
/// the owner's quota (<see cref="KeyQuotaExceededException"/>), then stores the key's hash and audits its creation.
/// </summary>
public sealed class ApiKeyIssuer(ApiKeyRepository keys, UserRepository users, WorkspaceRepository workspaces, AuthEventLog events, TimeProvider clock)
{
    public const int MaxRequestsPerSecond = 10_000_000, MaxConcurrentRequests = 1_000_000;

    public async Task<IssuedKey> IssueAsync(KeyIssue request, ApiKeyPrincipal? creator, KeyIssuePolicy policy, string audit,
        string? remoteAddress, string? userAgent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Require.Text(request.Name, "name", Limits.NameMaxLength);
        if (request.Scopes is null || request.Scopes.Count == 0) throw new InvalidFieldException("scopes", "at least one scope is required");
        foreach (var scope in request.Scopes)
        {
            if (!ApiScopes.IsKnown(scope)) throw new InvalidFieldException("scopes", $"unknown scope '{scope}'; known: {string.Join(", ", ApiScopes.All)}");
            if (creator is not null && (!creator.Has(scope) || (scope == ApiScopes.Admin && !creator.IsAdmin)))
                throw new ForbiddenException($"this API key cannot grant the '{scope}' scope it does not hold");
        }
        var now = clock.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now) throw new InvalidFieldException("expires_at", "must lie in the future");
        if (creator is { IsAdmin: false, ExpiresAt: { } creatorExpires } && (request.ExpiresAt is null || request.ExpiresAt > creatorExpires))
            throw new ForbiddenException($"this API key expires at {creatorExpires:O}; it cannot create a key that outlives it");
        var rate = Limit(request.RateLimitPerSecond, creator, creator?.RateLimitPerSecond, policy.DefaultRequestsPerSecond, "rate_limit_per_second", MaxRequestsPerSecond);
        var concurrent = Limit(request.MaxConcurrentRequests, creator, creator?.MaxConcurrentRequests, policy.DefaultMaxConcurrentRequests,
            "max_concurrent_requests", MaxConcurrentRequests);
        if (await users.FindAsync(request.UserId, cancellationToken) is not { IsDeleted: false }) throw new NotFoundException("user", request.UserId);
        var workspace = await BindingAsync(request, creator, cancellationToken);

        var (key, prefix) = ApiKeyFormat.Generate();
        // A key a (non-operator) key makes for another user is minted by that key's user; one made from a minted key inherits its minter.
        var mintedBy = creator is { IsAdmin: false } ? (creator.UserId != request.UserId ? creator.UserId : creator.MintedBy) : null;
        var info = new ApiKeyInfo(Guid.NewGuid(), request.UserId, name, prefix, request.Scopes.Distinct().ToList(), now, request.ExpiresAt?.ToUniversalTime(),
            null, null, CreatedBy: creator?.KeyId, RateLimitPerSecond: rate, MaxConcurrentRequests: concurrent, WorkspaceId: workspace, MintedBy: mintedBy);
        // Audited in the key's workspace (its user's personal one when unbound), as the creating key's act (null: the operator at the CLI).
        var actor = creator is null ? null : new AuditActor(creator.UserId, creator.KeyId, remoteAddress, userAgent, creator.IsAdmin);
        var masked = new { info.Id, info.UserId, info.Name, Prefix = ApiKeyFormat.Display(prefix), info.Scopes, info.ExpiresAt, info.WorkspaceId, info.MintedBy };
        await keys.InsertAsync(info, ApiKeyFormat.Hash(key), policy.MaxActiveKeysPerUser,
            new AuditRecord(workspace ?? request.UserId, "key.create", "api_key", info.Id.ToString(), null, masked, actor), cancellationToken);
        await events.RecordAsync(new AuthEvent("created", ApiKeyFormat.Display(prefix), request.UserId, audit, remoteAddress, userAgent), cancellationToken);
        return new IssuedKey(info, key);
    }

    /// <summary>
    /// The workspace the new key is bound to: the one asked for, which its user must belong to (400 naming
    /// <c>workspace_id</c> otherwise); a key made by a bound key is bound to the same workspace (403 for another one).
    /// </summary>
    private async Task<Guid?> BindingAsync(KeyIssue request, ApiKeyPrincipal? creator, CancellationToken cancellationToken)
    {
        var bound = request.WorkspaceId ?? creator?.WorkspaceId;
        if (creator is { WorkspaceId: { } creatorWorkspace } && bound != creatorWorkspace)
            throw new ForbiddenException($"this API key is bound to workspace {creatorWorkspace}; it can only create keys bound there");
        if (bound is { } id)
        {
            Require.Id(id, "workspace_id");
            if (await workspaces.RoleOfAsync(id, request.UserId, cancellationToken) is null)
                throw new InvalidFieldException("workspace_id", $"user {request.UserId} is not a member of workspace {id}");
        }
        return bound;
    }

    /// <summary>The override to store: null keeps the silo's default. A non-admin key cannot grant more than it has itself.</summary>
    private static int? Limit(int? requested, ApiKeyPrincipal? creator, int? creators, int fallback, string field, int max)
    {
        if (requested is { } value && (value < 1 || value > max)) throw new InvalidFieldException(field, $"must be between 1 and {max}");
        if (creator is null || creator.IsAdmin) return requested;
        var own = creators ?? fallback;
        if (requested > own) throw new ForbiddenException($"{field}: this API key's own limit is {own}; it cannot create a key with a higher one");
        return requested ?? creators;
    }
}
