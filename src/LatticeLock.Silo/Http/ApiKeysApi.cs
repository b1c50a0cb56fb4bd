using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// API keys. A user manages their own keys; a workspace's admins and owners also list, create and revoke the keys bound
/// to their workspace, for any member whose role there does not exceed theirs (an admin cannot mint a key that acts as
/// an owner); the operator manages every key. A key bound to a workspace reaches only its user's keys bound there.
/// </summary>
public static class ApiKeysApi
{
    public sealed record CreateKeyBody(string Name, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, int? RateLimitPerSecond, int? MaxConcurrentRequests, Guid? WorkspaceId = null);

    public sealed record CreatedKeyResponse(Guid Id, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt, Guid? WorkspaceId);

    public sealed record KeyResponse(Guid Id, Guid UserId, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Guid? CreatedBy, int? RateLimitPerSecond, int? MaxConcurrentRequests,
        Guid? WorkspaceId, Guid? MintedBy)
    {
        public static KeyResponse From(ApiKeyInfo k) =>
            new(k.Id, k.UserId, k.Name, ApiKeyFormat.Display(k.Prefix), k.Scopes, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.CreatedBy,
                k.RateLimitPerSecond, k.MaxConcurrentRequests, k.WorkspaceId, k.MintedBy);
    }

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/users/{id}/api-keys", CreateAsync).Accepts<CreateKeyBody>(isOptional: true, "application/json").Produces<CreatedKeyResponse>(StatusCodes.Status201Created);
        v1.MapGet("/users/{id}/api-keys", ListAsync).Produces<KeyResponse[]>();
        v1.MapDelete("/api-keys/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent);
        v1.MapGet("/workspaces/{id}/api-keys", ListBoundAsync).Produces<KeyResponse[]>();
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApiKeyIssuer issuer, Microsoft.Extensions.Options.IOptions<AuthOptions> options,
        UnknownKeyPrefixes unknownPrefixes, WorkspaceAccess access, string id)
    {
        var userId = RouteValues.Id(id);
        var caller = http.RequireScope(ApiScopes.KeysWrite);
        var body = await JsonBody.ReadAsync<CreateKeyBody>(http);
        // Another user's key: the operator's, or a workspace admin's for a member of that workspace, bound there.
        if (!caller.IsAdmin && caller.UserId != userId)
        {
            if (body.WorkspaceId is not { } workspaceId) throw ApiProblem.Forbidden("this API key may not reach another user's data (a workspace admin names workspace_id)");
            await RequireKeyManagerAsync(access, caller, workspaceId, userId, "workspace", workspaceId);
        }
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

    /// <summary>The user's keys (a key bound to a workspace lists only its user's keys bound there).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, string id)
    {
        var userId = RouteValues.Id(id);
        var caller = http.Caller();
        caller.RequireOwner(userId);
        await grains.GetGrain<IUserGrain>(userId).Get();
        return Results.Ok((await keys.ListAsync(userId, caller.IsAdmin ? null : caller.WorkspaceId, http.RequestAborted)).Select(KeyResponse.From));
    }

    /// <summary>Every key bound to the workspace, of every member (admins and owners).</summary>
    private static async Task<IResult> ListBoundAsync(HttpContext http, WorkspaceAccess access, ApiKeyRepository keys, string id)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ManageKeys);
        return Results.Ok((await keys.ListAsync(null, workspaceId, http.RequestAborted)).Select(KeyResponse.From));
    }

    /// <summary>
    /// Revokes a key (and the keys made from it): its own user's (with an unbound key, or one bound where it is bound),
    /// a key bound to a workspace where the caller manages keys, or any key for the operator.
    /// </summary>
    private static async Task<IResult> RevokeAsync(HttpContext http, IGrainFactory grains, ApiKeyRepository keys, AuthEventLog events, AuthenticatedKeyCache cache,
        WorkspaceAccess access, string id)
    {
        var keyId = RouteValues.Id(id);
        var key = await keys.FindByIdAsync(keyId, http.RequestAborted) ?? throw ApiProblem.NotFound($"API key {keyId} does not exist");
        var caller = http.RequireScope(ApiScopes.KeysWrite);
        var own = caller.UserId == key.UserId && (caller.WorkspaceId is null || caller.WorkspaceId == key.WorkspaceId);
        if (!caller.IsAdmin && !own)
        {
            if (key.WorkspaceId is not { } workspaceId) throw ApiProblem.Forbidden("this API key may not reach another user's data");
            await RequireKeyManagerAsync(access, caller, workspaceId, key.UserId, "API key", keyId);
        }
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

    /// <summary>
    /// A workspace admin or owner managing another member's key bound there: allowed when the member's role does not
    /// exceed the caller's (403 otherwise); a member who is not one is the issuer's to refuse (400 naming workspace_id).
    /// </summary>
    private static async Task RequireKeyManagerAsync(WorkspaceAccess access, ApiKeyPrincipal caller, Guid workspaceId, Guid userId, string resource, Guid resourceId)
    {
        var role = await access.RequireAsync(caller, workspaceId, WorkspacePolicy.ManageKeys, resource, resourceId);
        if (role is { } mine && await access.RoleAsync(workspaceId, userId) is { } theirs && theirs > mine)
            throw ApiProblem.Forbidden($"user {userId} is {WireNames.Of(theirs)} of workspace {workspaceId}; your role ({WireNames.Of(mine)}) cannot manage their keys");
    }
}
