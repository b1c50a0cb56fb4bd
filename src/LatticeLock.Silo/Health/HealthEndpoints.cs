using System.Net;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Auth;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LatticeLock.Silo.Health;

/// <summary>
/// <c>/health/live</c>: the process runs (no query). <c>/health/ready</c>: it can serve (see <see cref="ReadinessHealthCheck"/>),
/// answered from a report at most <see cref="HealthReports.MaxAge"/> old, so however often probes come, each silo
/// runs one round of checks a second. No key is needed; the details (database hosts, standbys, lag, error text, silo
/// address) are shown only to a loopback caller or with an admin key, everyone else sees the statuses.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Checks with this tag make up <c>/health/ready</c>.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddLatticeLockHealthChecks(this IServiceCollection services)
    {
        // The metric sinks' check is added with the rest of metric delivery (AddLatticeLockMetrics).
        services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready", tags: [ReadyTag]);
        services.AddSingleton<HealthReports>();
        return services;
    }

    public static IEndpointRouteBuilder MapLatticeLockHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health/live", (HttpContext http) => WriteAsync(http, HealthReports.Live, detailed: false)).ExcludeFromDescription();
        endpoints.MapGet("/health/ready", async (HttpContext http, HealthReports reports) =>
            await WriteAsync(http, await reports.ReadyAsync(), await DetailedAsync(http))).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>Details for a caller on this machine, or one presenting an admin key (resolved like any /v1 call's key).</summary>
    private static async Task<bool> DetailedAsync(HttpContext http)
    {
        if (http.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)) return true;
        var key = ApiKeyResolver.Parse(http.Request.Headers.Authorization.ToString());
        if (key.Prefix is null) return false;
        var keys = http.RequestServices.GetRequiredService<ApiKeyResolver>();
        return (keys.Cached(key) ?? (await keys.AuthenticateAsync(key)).Principal)?.IsAdmin == true;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report, bool detailed)
    {
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        object body = detailed
            ? new
            {
                status = Name(report.Status),
                checks = report.Entries.ToDictionary(e => e.Key, e => (object)new { status = Name(e.Value.Status), description = e.Value.Description, data = e.Value.Data }),
            }
            : new
            {
                status = Name(report.Status),
                checks = report.Entries.ToDictionary(e => e.Key, e => (object)new { status = Name(e.Value.Status) }),
            };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
