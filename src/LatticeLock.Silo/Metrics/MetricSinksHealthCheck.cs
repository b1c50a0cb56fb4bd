using LatticeLock.Grains.Metrics;
using LatticeLock.Storage.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Metrics;

/// <summary>
/// Each metric consumer's backlog, lag and failures. A lagging or failing sink makes the report Degraded, never
/// Unhealthy: recording does not depend on sinks, so the silo stays in rotation while they catch up.
/// </summary>
public sealed class MetricSinksHealthCheck(MetricSinkStatesCache cursors, MetricConsumerRegistry registry, IOptions<MetricDeliveryOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        List<MetricSinkState> states;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            states = await cursors.GetAsync(timeout.Token);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Degraded($"metric sink state unavailable: {e.Message}");
        }
        var data = new Dictionary<string, object>();
        var problems = new List<string>();
        foreach (var name in registry.Names)
        {
            var s = states.FirstOrDefault(x => x.Sink == name);
            if (s is null)
            {
                data[name] = new { status = "starting" };
                continue;
            }
            data[name] = new
            {
                pending = s.Pending,
                pending_is_lower_bound = s.Pending >= MetricCursorStore.PendingCountLimit,
                lag_seconds = Math.Round(s.LagSeconds, 1),
                delivered = s.Delivered,
                rejected = s.Rejected,
                consecutive_failures = s.ConsecutiveFailures,
                last_success_at = s.LastSuccessAt,
                last_error = s.ConsecutiveFailures > 0 ? Trim(s.LastError) : null,
                last_error_at = s.LastErrorAt,
            };
            if (s.ConsecutiveFailures > 0) problems.Add($"{name} failing ({s.ConsecutiveFailures} in a row)");
            else if (s.LagSeconds > options.Value.LagWarning.TotalSeconds) problems.Add($"{name} {s.LagSeconds:0} s behind");
        }
        return problems.Count == 0
            ? HealthCheckResult.Healthy("metric sinks up to date", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data);
    }

    /// <summary>Enough of the error to act on; the full text is in metric_sink_cursors and the logs.</summary>
    private static string? Trim(string? error) => error is { Length: > 200 } ? error[..200] + "…" : error;
}
