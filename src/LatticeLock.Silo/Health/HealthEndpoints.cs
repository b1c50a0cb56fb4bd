using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LatticeLock.Silo.Health;

public static class HealthEndpoints
{
    /// <summary>Checks with this tag make up <c>/health/ready</c>.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddLatticeLockHealthChecks(this IServiceCollection services)
    {
        // The metric sinks' check is added with the rest of metric delivery (AddLatticeLockMetrics).
        services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready", tags: [ReadyTag]);
        return services;
    }

    /// <summary><c>/health/live</c>: the process runs. <c>/health/ready</c>: it can serve (see <see cref="ReadinessHealthCheck"/>).</summary>
    public static IEndpointRouteBuilder MapLatticeLockHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
