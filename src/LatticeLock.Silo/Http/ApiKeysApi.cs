using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Http;

public static class ApiKeysApi
{
    public sealed record CreateKeyBody(string Name, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, int? RateLimitPerSecond, int? MaxConcurrentRequests, Guid? WorkspaceId = null);

    public sealed record CreatedKeyResponse(Guid Id, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, Guid? WorkspaceId);

    public sealed record KeyResponse(Guid Id, Guid UserId, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Guid? CreatedBy, int? RateLimitPerSecond, int? MaxConcurrentRequests,
        Guid? WorkspaceId)
    {
        public static KeyResponse From(ApiKeyInfo k) =>
            new(k.Id, k.UserId, k.Name, ApiKeyFormat.Display(k.Prefix), k.Scopes, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.CreatedBy,
                k.RateLimitPerSecond, k.MaxConcurrentRequests, k.WorkspaceId);
    }

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/users/{id}/api-keys", CreateAsync).Accepts<CreateKeyBody>(isOptional: true, "application/json").Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        v1.MapGet("/users/{id}/api-keys", ListAsync).Produces<KeyResponse[]>();
        v1.MapDelete("/api-keys/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent);
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApiKeyIssuer issuer, Microsoft.Extensions.Options.IOptions<AuthOptions> options,
        UnknownKeyPrefixes unknownPrefixes, string id)
    {
        var userId = RouteValues.Id(id);
        var caller = http.RequireScope(ApiScopes.KeysWrite);
        caller.RequireOwner(userId);
        var body = await JsonBody.ReadAsync<CreateKeyBody>(http);
        var limits = options.Value;
        IssuedKey issued;
        try
        {
            issued = await issuer.IssueAsync(new KeyIssue(userId, body.Name, body.Scopes, body.ExpiresAt, body.RateLimitPerSecond, body.MaxConcurrentRequests, body.WorkspaceId),
                caller, new KeyIssuePolicy(limits.MaxActiveKeysPerUser, limits.KeyRequestsPerSecond, limits.KeyMaxConcurrentRequests),
                $"created by {ApiKeyFormat.Display(caller.Prefix)} (key {caller.KeyId})", http.Connection.RemoteIpAddress?.ToString(),
                http.Request.Headers.UserAgent.ToString(), http.RequestAborted);
        }
        catch (KeyQuotaExceededException e)
        {
            throw new ApiProblem(StatusCodes.Status409Conflict, e.Message);
        }
        unknownPrefixes.Forget(issued.Info.Prefix);
        var info = issued.Info;
        return Results.Created($"/v1/api-keys/{info.Id}", new CreatedKeyResponse(info.Id, issued.Key, ApiKeyFormat.Display(info.Prefix), info.Scopes, info.ExpiresAt, info.WorkspaceId));
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
