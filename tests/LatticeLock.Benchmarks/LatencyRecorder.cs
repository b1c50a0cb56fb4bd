using System.Diagnostics;

namespace LatticeLock.Benchmarks;

/// <summary>Per-call acknowledgement latencies, summarised as percentiles.</summary>
public sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;

    public void Add(long elapsedTicks) => _ticks[Interlocked.Increment(ref _count) - 1] = elapsedTicks;

    public double PercentileMs(double p)
    {
        var sorted = _ticks.AsSpan(0, _count).ToArray();
        Array.Sort(sorted);
        var index = Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }
}
