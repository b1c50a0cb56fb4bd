using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Http;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Every /v1 and /otlp request: <c>Authorization: Bearer ll_…</c> checked against the key's grain (a hash crosses the wire, never
/// the secret), or against this silo's <see cref="AuthenticatedKeyCache"/> of recent successes. Missing, malformed, unknown,
/// expired or revoked keys get 401 and are counted (<see cref="AuthFailureCounts"/>, written off the request path).
/// Failures are budgeted (<see cref="AuthFailureLimiter"/>): an address past its budget gets 429 with Retry-After before
/// any lookup; a key prefix past its budget is still checked, so its owner gets in, but a wrong secret gets 429.
/// Runs before routing, so an unauthenticated caller learns nothing about routes or content types (401 before 415/404).
/// </summary>
public sealed class ApiKeyAuthentication(IGrainFactory grains, AuthenticatedKeyCache cache, AuthFailureLimiter limiter, AuthFailureCounts failures) : IMiddleware
{
    public const string PrincipalItem = "lattice.principal";

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1") && !http.Request.Path.StartsWithSegments("/otlp"))
        {
            await next(http);
            return;
        }
        var address = AddressOf(http);
        var header = http.Request.Headers.Authorization.ToString();
        string? failure = null;
        string? prefix = null;
        byte[]? hash = null;
        if (string.IsNullOrEmpty(header)) failure = "missing Authorization header (expected: Bearer <API key>)";
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) failure = "the Authorization header must use the Bearer scheme";
        else if ((prefix = ApiKeyFormat.PrefixOf(header["Bearer ".Length..].Trim())) is null) failure = "malformed API key";
        else hash = ApiKeyFormat.Hash(header["Bearer ".Length..].Trim());

        if (prefix is not null && cache.Find(prefix, hash!) is { } known)
        {
            http.Items[PrincipalItem] = known;
            await next(http);
            return;
        }
        // An address past its failure budget is refused before any lookup.
        if (limiter.AddressRetryAfter(address) is { } wait)
        {
            await RefuseAsync(http, prefix, address, wait);
            return;
        }
        if (prefix is not null)
        {
            var result = await grains.GetGrain<IApiKeyGrain>(prefix).Authenticate(hash!);
            if (result.Principal is { } principal)
            {
                cache.Remember(prefix, hash!, principal);
                http.Items[PrincipalItem] = principal;
                await next(http);
                return;
            }
            // A prefix past its budget was still checked (its owner gets in above); a wrong secret for it gets 429.
            if (limiter.KeyRetryAfter(prefix) is { } keyWait)
            {
                await RefuseAsync(http, prefix, address, keyWait);
                return;
            }
            failure = result.FailureReason;
        }

        failure ??= "authentication failed";
        GatewayMeter.AuthFailure(prefix is null ? "malformed" : "refused");
        limiter.Spend(address, prefix);
        failures.Add(prefix is null ? null : ApiKeyFormat.Display(prefix), address, failure, http.Request.Headers.UserAgent.ToString());
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemMapping.WriteAsync(http, StatusCodes.Status401Unauthorized, failure);
    }

    /// <summary>429: too many refused authentications from this address or for this key; counted, not looked up.</summary>
    private async Task RefuseAsync(HttpContext http, string? prefix, string address, TimeSpan wait)
    {
        GatewayMeter.AuthFailure("rate_limited");
        const string reason = "too many failed authentications; retry later";
        failures.Add(prefix is null ? null : ApiKeyFormat.Display(prefix), address, reason, http.Request.Headers.UserAgent.ToString());
        await ProblemMapping.Result(StatusCodes.Status429TooManyRequests, reason, retryAfterSeconds: (int)Math.Ceiling(Math.Max(1, wait.TotalSeconds))).ExecuteAsync(http);
    }

    private static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var ip => ip.ToString(),
    };
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
