using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LatticeLock.Silo.Health;

/// <summary>
/// The readiness report, computed at most once per <see cref="MaxAge"/> on this silo: callers in that window share
/// the last report (or the round in progress), so a probe flood costs one round of queries a second.
/// </summary>
public sealed class HealthReports(HealthCheckService checks, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>Liveness runs no check: answering at all is the proof.</summary>
    public static readonly HealthReport Live = new(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero);

    private readonly Lock _gate = new();
    private Task<HealthReport>? _ready;
    private DateTimeOffset _readyStarted;

    public Task<HealthReport> ReadyAsync()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (_ready is null || now - _readyStarted >= MaxAge || _ready.IsFaulted)
            {
                // Not tied to any caller's cancellation: the round serves everyone who asks within MaxAge.
                _ready = checks.CheckHealthAsync(c => c.Tags.Contains(HealthEndpoints.ReadyTag), CancellationToken.None);
                _readyStarted = now;
            }
            return _ready;
        }
    }
}
