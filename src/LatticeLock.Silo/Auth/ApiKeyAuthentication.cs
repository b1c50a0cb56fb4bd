using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Http;
using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Every /v1 and /otlp request: <c>Authorization: Bearer ll_…</c> checked against the key's grain (a hash crosses the wire, never
/// the secret), or against this silo's <see cref="AuthenticatedKeyCache"/> of recent successes. Missing, malformed, unknown, expired or revoked keys get 401; failures are written to auth_events.
/// Runs before routing, so an unauthenticated caller learns nothing about routes or content types (401 before 415/404).
/// </summary>
public sealed class ApiKeyAuthentication(IGrainFactory grains, AuthenticatedKeyCache cache, AuthEventLog authEvents, ILogger<ApiKeyAuthentication> logger) : IMiddleware
{
    public const string PrincipalItem = "lattice.principal";

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1") && !http.Request.Path.StartsWithSegments("/otlp"))
        {
            await next(http);
            return;
        }
        var header = http.Request.Headers.Authorization.ToString();
        string? failure;
        string? prefix = null;
        if (string.IsNullOrEmpty(header)) failure = "missing Authorization header (expected: Bearer <API key>)";
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) failure = "the Authorization header must use the Bearer scheme";
        else if ((prefix = ApiKeyFormat.PrefixOf(header["Bearer ".Length..].Trim())) is null) failure = "malformed API key";
        else
        {
            var hash = ApiKeyFormat.Hash(header["Bearer ".Length..].Trim());
            if (cache.Find(prefix, hash) is { } known)
            {
                http.Items[PrincipalItem] = known;
                await next(http);
                return;
            }
            var result = await grains.GetGrain<IApiKeyGrain>(prefix).Authenticate(hash);
            if (result.Principal is { } principal)
            {
                cache.Remember(prefix, hash, principal);
                http.Items[PrincipalItem] = principal;
                await next(http);
                return;
            }
            failure = result.FailureReason ?? "authentication failed";
        }

        GatewayMeter.AuthFailure(prefix is null ? "malformed" : "refused");
        await RecordFailureAsync(http, prefix, failure);
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemMapping.WriteAsync(http, StatusCodes.Status401Unauthorized, failure);
    }

    private async Task RecordFailureAsync(HttpContext http, string? prefix, string reason)
    {
        try
        {
            await authEvents.RecordAsync(new AuthEvent("failure", prefix is null ? null : ApiKeyFormat.Display(prefix), null, reason,
                http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), http.RequestAborted);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException)
        {
            logger.LogWarning(e, "Could not record a failed authentication");
        }
    }
}

public static class CallerExtensions
{
    /// <summary>The authenticated key behind this request (set by <see cref="ApiKeyAuthentication"/>).</summary>
    public static ApiKeyPrincipal Caller(this HttpContext context) =>
        context.Items[ApiKeyAuthentication.PrincipalItem] as ApiKeyPrincipal
        ?? throw new InvalidOperationException("route is not behind ApiKeyAuthentication");

    /// <summary>403 unless the key has <paramref name="scope"/> (admin has every scope).</summary>
    public static ApiKeyPrincipal RequireScope(this HttpContext context, string scope)
    {
        var caller = context.Caller();
        return caller.Has(scope) ? caller : throw ApiProblem.Forbidden($"this API key lacks the '{scope}' scope");
    }

    /// <summary>403 unless the caller owns the data (or is admin).</summary>
    public static void RequireOwner(this ApiKeyPrincipal caller, Guid ownerId)
    {
        if (!caller.IsAdmin && caller.UserId != ownerId) throw ApiProblem.Forbidden("this API key may not reach another user's data");
    }
}
