using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Http;

public static class ApiKeysApi
{
    public sealed record CreateKeyBody(string Name, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, int? RateLimitPerSecond, int? MaxConcurrentRequests);

    public sealed record CreatedKeyResponse(Guid Id, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt);

    public sealed record KeyResponse(Guid Id, Guid UserId, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Guid? CreatedBy, int? RateLimitPerSecond, int? MaxConcurrentRequests)
    {
        public static KeyResponse From(ApiKeyInfo k) =>
            new(k.Id, k.UserId, k.Name, ApiKeyFormat.Display(k.Prefix), k.Scopes, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.CreatedBy,
                k.RateLimitPerSecond, k.MaxConcurrentRequests);
    }

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/users/{id}/api-keys", CreateAsync).Accepts<CreateKeyBody>(isOptional: true, "application/json").Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        v1.MapGet("/users/{id}/api-keys", ListAsync).Produces<KeyResponse[]>();
        v1.MapDelete("/api-keys/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent);
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, AuthEventLog events, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<AuthOptions> options, UnknownKeyPrefixes unknownPrefixes, string id)
    {
        var userId = RouteValues.Id(id);
        var caller = http.RequireScope(ApiScopes.KeysWrite);
        caller.RequireOwner(userId);
        var body = await JsonBody.ReadAsync<CreateKeyBody>(http);
        var name = Require.Text(body.Name, "name", Limits.NameMaxLength);
        if (body.Scopes is null || body.Scopes.Count == 0) throw ApiProblem.BadRequest("scopes", "scopes: at least one scope is required");
        foreach (var scope in body.Scopes)
        {
            if (!ApiScopes.IsKnown(scope)) throw ApiProblem.BadRequest("scopes", $"scopes: unknown scope '{scope}'; known: {string.Join(", ", ApiScopes.All)}");
            if (!caller.Has(scope) || (scope == ApiScopes.Admin && !caller.IsAdmin))
                throw ApiProblem.Forbidden($"this API key cannot grant the '{scope}' scope it does not hold");
        }
        var now = clock.GetUtcNow();
        if (body.ExpiresAt is { } expires && expires <= now) throw ApiProblem.BadRequest("expires_at", "expires_at: must lie in the future");
        if (!caller.IsAdmin && caller.ExpiresAt is { } callerExpires && (body.ExpiresAt is null || body.ExpiresAt > callerExpires))
            throw ApiProblem.Forbidden($"this API key expires at {callerExpires:O}; it cannot create a key that outlives it");
        // A key's limits: the body's, else its creator's own overrides; only an admin key may raise them past its own.
        var limits = options.Value;
        var rate = Limit(body.RateLimitPerSecond, caller.RateLimitPerSecond, limits.KeyRequestsPerSecond, caller.IsAdmin, "rate_limit_per_second", 10_000_000);
        var concurrent = Limit(body.MaxConcurrentRequests, caller.MaxConcurrentRequests, limits.KeyMaxConcurrentRequests, caller.IsAdmin, "max_concurrent_requests", 1_000_000);
        await grains.GetGrain<IUserGrain>(userId).Get(); // 404 for an unknown user

        var (key, prefix) = ApiKeyFormat.Generate();
        var info = new ApiKeyInfo(Guid.NewGuid(), userId, name, prefix, body.Scopes.Distinct().ToList(), now, body.ExpiresAt?.ToUniversalTime(), null, null,
            CreatedBy: caller.KeyId, RateLimitPerSecond: rate, MaxConcurrentRequests: concurrent);
        try
        {
            await keys.InsertAsync(info, ApiKeyFormat.Hash(key), options.Value.MaxActiveKeysPerUser, http.RequestAborted);
        }
        catch (KeyQuotaExceededException e)
        {
            throw new ApiProblem(StatusCodes.Status409Conflict, e.Message);
        }
        unknownPrefixes.Forget(prefix);
        await events.RecordAsync(new AuthEvent("created", ApiKeyFormat.Display(prefix), userId, $"created by {ApiKeyFormat.Display(caller.Prefix)} (key {caller.KeyId})",
            http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), http.RequestAborted);
        return Results.Created($"/v1/api-keys/{info.Id}", new CreatedKeyResponse(info.Id, key, ApiKeyFormat.Display(prefix), info.Scopes, info.ExpiresAt));
    }

    /// <summary>The override to store: null keeps the silo's default. A non-admin key cannot grant more than it has itself.</summary>
    private static int? Limit(int? requested, int? callers, int fallback, bool admin, string field, int max)
    {
        if (requested is { } value && (value < 1 || value > max)) throw ApiProblem.BadRequest(field, $"{field}: must be between 1 and {max}");
        if (admin) return requested;
        var own = callers ?? fallback;
        if (requested > own) throw ApiProblem.Forbidden($"{field}: this API key's own limit is {own}; it cannot create a key with a higher one");
        return requested ?? callers;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, string id)
    {
        var userId = RouteValues.Id(id);
        http.Caller().RequireOwner(userId);
        await grains.GetGrain<IUserGrain>(userId).Get();
        return Results.Ok((await keys.ListAsync(userId, http.RequestAborted)).Select(KeyResponse.From));
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, AuthEventLog events, AuthenticatedKeyCache cache, string id)
    {
        var keyId = RouteValues.Id(id);
        var key = await keys.FindByIdAsync(keyId, http.RequestAborted) ?? throw ApiProblem.NotFound($"API key {keyId} does not exist");
        var caller = http.RequireScope(ApiScopes.KeysWrite);
        caller.RequireOwner(key.UserId);
        if (!caller.HasAll(key.Scopes)) throw ApiProblem.Forbidden("this API key cannot revoke a key with scopes it does not hold");
        var revoked = await grains.GetGrain<IApiKeyGrain>(key.Prefix).Revoke(http.RequestAborted);
        foreach (var prefix in revoked) cache.Forget(prefix); // this silo at once; the others when the change's NOTIFY arrives
        foreach (var prefix in revoked)
            await events.RecordAsync(new AuthEvent("revoked", ApiKeyFormat.Display(prefix), key.UserId,
                prefix == key.Prefix ? $"revoked by {ApiKeyFormat.Display(caller.Prefix)} (key {caller.KeyId})"
                    : $"revoked with {ApiKeyFormat.Display(key.Prefix)}, the key it was made from (by {ApiKeyFormat.Display(caller.Prefix)})",
                http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), http.RequestAborted);
        return Results.NoContent();
    }
}
