namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// Delays between retries of one piece of work (a sink's call, a pump's failing batch, a budget webhook delivery): the
/// ceiling doubles from <see cref="Initial"/> up to <see cref="Max"/>, and each delay is drawn between half the ceiling
/// and the ceiling ("equal jitter"), so clients that failed together do not retry together, yet every wait still grows.
/// </summary>
public sealed class ExponentialBackoff(TimeSpan initial, TimeSpan max)
{
    public TimeSpan Initial { get; } = initial;
    public TimeSpan Max { get; } = max;

    /// <summary>The delay before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public TimeSpan DelayBefore(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var ceilingTicks = Math.Min((double)Max.Ticks, Initial.Ticks * Math.Pow(2, Math.Min(retry - 1, 30)));
        var half = ceilingTicks / 2;
        return TimeSpan.FromTicks((long)(half + Random.Shared.NextDouble() * half));
    }
}
