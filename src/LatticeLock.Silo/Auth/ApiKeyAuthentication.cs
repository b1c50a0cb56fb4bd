using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Http;
using LatticeLock.Storage.Audit;
using Orleans.Runtime;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Every /v1 and /otlp request: <c>Authorization: Bearer ll_…</c> resolved by <see cref="ApiKeyResolver"/> (this silo's cache of
/// recent successes first, then the key's grain). Missing, malformed, unknown,
/// expired or revoked keys get 401 and are counted (<see cref="AuthFailureCounts"/>, written off the request path).
/// Failures are budgeted (<see cref="AuthFailureLimiter"/>): an address past its budget gets 429 with Retry-After before
/// any lookup; a key prefix past its budget is still checked, so its owner gets in, but a wrong secret gets 429.
/// Runs before routing, so an unauthenticated caller learns nothing about routes or content types (401 before 415/404).
/// </summary>
public sealed class ApiKeyAuthentication(ApiKeyResolver keys, AuthFailureLimiter limiter, AuthFailureCounts failures, KeyRequestLimiter keyLimits,
    OperatorRequestLog operatorRequests) : IMiddleware
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
        var key = ApiKeyResolver.Parse(http.Request.Headers.Authorization.ToString());
        var prefix = key.Prefix;
        var failure = key.Malformed;
        if (keys.Cached(key) is { } known)
        {
            await ServeAsync(http, next, known);
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
            var result = await keys.AuthenticateAsync(key);
            if (result.Principal is { } principal)
            {
                await ServeAsync(http, next, principal);
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

    /// <summary>The request of an authenticated key, within the key's rate and concurrency limits (429 past them).</summary>
    private async Task ServeAsync(HttpContext http, RequestDelegate next, ApiKeyPrincipal principal)
    {
        var (lease, refusal, retryAfter) = keyLimits.TryAcquire(principal);
        if (lease is null)
        {
            GatewayMeter.KeyLimited();
            await ProblemMapping.Result(StatusCodes.Status429TooManyRequests, refusal!, retryAfterSeconds: (int)Math.Ceiling(retryAfter.TotalSeconds)).ExecuteAsync(http);
            return;
        }
        using (lease)
        {
            http.Items[PrincipalItem] = principal;
            // Every grain call of this request carries who makes it, for the audit log (AuditActor.Current).
            var actor = new AuditActor(principal.UserId, principal.KeyId, http.Connection.RemoteIpAddress?.ToString(),
                http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null, principal.IsAdmin);
            RequestContext.Set(AuditActor.ContextKey, actor);
            if (!principal.IsAdmin)
            {
                await next(http);
                return;
            }
            int? status = null;
            try
            {
                await next(http);
                status = http.Response.StatusCode;
            }
            catch (Exception e)
            {
                status = ProblemMapping.Map(e)?.Status ?? StatusCodes.Status500InternalServerError;
                throw;
            }
            finally
            {
                RecordOperatorUse(http, actor, status ?? StatusCodes.Status500InternalServerError);
            }
        }
    }

    /// <summary>
    /// Every request made with an operator's <c>admin</c> key becomes one row of the platform's audit chain
    /// (<see cref="AuditLog.PlatformWorkspace"/>): method, path, query and the status answered, queued as the request
    /// ends and written in batches (<see cref="OperatorRequestWriter"/>). A change the request made is also in its
    /// workspace's chain, in the change's own transaction.
    /// </summary>
    private void RecordOperatorUse(HttpContext http, AuditActor actor, int status)
    {
        var request = $"{http.Request.Method} {http.Request.Path}";
        var query = http.Request.QueryString.Value is { Length: > 0 } q ? q : null;
        operatorRequests.Add(new AuditRecord(AuditLog.PlatformWorkspace, "operator.request", "http", request.Length > 512 ? request[..512] : request,
            null, new { query = query is { Length: > 1024 } ? query[..1024] : query }, actor, status));
    }

    /// <summary>429: too many refused authentications from this address or for this key; counted, not looked up.</summary>
    private async Task RefuseAsync(HttpContext http, string? prefix, string address, TimeSpan wait)
    {
        GatewayMeter.AuthFailure("rate_limited");
        const string reason = "too many failed authentications; retry later";
        failures.Add(prefix is null ? null : ApiKeyFormat.Display(prefix), address, reason, http.Request.Headers.UserAgent.ToString());
        await ProblemMapping.Result(StatusCodes.Status429TooManyRequests, reason, retryAfterSeconds: (int)Math.Ceiling(Math.Max(1, wait.TotalSeconds))).ExecuteAsync(http);
    }

    /// <summary>
    /// The client as the failure budget counts it: an IPv4 address, or an IPv6 client's /64 (one host usually holds a
    /// whole /64, so counting single IPv6 addresses would give it 2^64 budgets).
    /// </summary>
    public static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } v6 => Slash64(v6),
        var ip => ip.ToString(),
    };

    private static string Slash64(System.Net.IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
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
