using LatticeLock.Storage.Metrics;

namespace LatticeLock.Silo.Metrics;

/// <summary>
/// The sinks' states as /health/ready reports them, read at most every <see cref="MaxAge"/>: probes are frequent and
/// unauthenticated, and counting a backlog reads rows.
/// </summary>
public sealed class MetricSinkStatesCache(MetricCursorStore cursors, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, List<MetricSinkState> States)? _last;

    public async Task<List<MetricSinkState>> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < MaxAge) return last.States;
            var states = await cursors.StatesAsync(cancellationToken);
            _last = (clock.GetUtcNow(), states);
            return states;
        }
        finally
        {
            _gate.Release();
        }
    }
}
