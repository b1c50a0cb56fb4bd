using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Http;

public static class ApiKeysApi
{
    public sealed record CreateKeyBody(string Name, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt);

    public sealed record CreatedKeyResponse(Guid Id, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt);

    public sealed record KeyResponse(Guid Id, Guid UserId, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
    {
        public static KeyResponse From(ApiKeyInfo k) =>
            new(k.Id, k.UserId, k.Name, ApiKeyFormat.Display(k.Prefix), k.Scopes, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt);
    }

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/users/{id}/api-keys", CreateAsync).Accepts<CreateKeyBody>(isOptional: true, "application/json").Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        v1.MapGet("/users/{id}/api-keys", ListAsync).Produces<KeyResponse[]>();
        v1.MapDelete("/api-keys/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent);
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, AuthEventLog events, TimeProvider clock, string id)
    {
        var userId = RouteValues.Id(id);
        var caller = http.Caller();
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
        await grains.GetGrain<IUserGrain>(userId).Get(); // 404 for an unknown user

        var (key, prefix) = ApiKeyFormat.Generate();
        var info = new ApiKeyInfo(Guid.NewGuid(), userId, name, prefix, body.Scopes.Distinct().ToList(), now, body.ExpiresAt?.ToUniversalTime(), null, null);
        await keys.InsertAsync(info, ApiKeyFormat.Hash(key), http.RequestAborted);
        await events.RecordAsync(new AuthEvent("created", ApiKeyFormat.Display(prefix), userId, $"created by {ApiKeyFormat.Display(caller.Prefix)}",
            http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), http.RequestAborted);
        return Results.Created($"/v1/api-keys/{info.Id}", new CreatedKeyResponse(info.Id, key, ApiKeyFormat.Display(prefix), info.Scopes, info.ExpiresAt));
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
        var caller = http.Caller();
        caller.RequireOwner(key.UserId);
        if (!caller.HasAll(key.Scopes)) throw ApiProblem.Forbidden("this API key cannot revoke a key with scopes it does not hold");
        await grains.GetGrain<IApiKeyGrain>(key.Prefix).Revoke(http.RequestAborted);
        cache.Forget(key.Prefix); // this silo at once; the others when the change's NOTIFY arrives
        await events.RecordAsync(new AuthEvent("revoked", ApiKeyFormat.Display(key.Prefix), key.UserId, $"revoked by {ApiKeyFormat.Display(caller.Prefix)}",
            http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), http.RequestAborted);
        return Results.NoContent();
    }
}
