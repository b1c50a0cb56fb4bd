namespace LatticeLock.Storage.Analytics;

/// <summary>
/// A log-bucketed latency histogram, kept in <c>cost_aggregations.latency_histogram</c> so latency percentiles of any
/// window come from the aggregates (summed bucket by bucket) instead of a scan of the request log.
/// <para>
/// Bucket 0 holds 0 ms; bucket <c>i</c> (1-based into <see cref="Bounds"/>) holds latencies from <c>Bounds[i-1]</c> up to
/// the next bound. Bounds are integers: 1, 2, …, 10, then each is the previous plus a tenth (integer division), up to
/// <see cref="TopMs"/> (24 h; longer latencies fall in the last bucket). A bucket is therefore one millisecond wide up to
/// 10 ms and at most 10 % wide above, so a percentile read at a bucket's midpoint is within 5 % of the exact one.
/// Migration 19 defines the same rule in SQL (<c>latency_histogram_bounds()</c>); a test holds the two equal.
/// </para>
/// </summary>
public static class LatencyHistogram
{
    public const int TopMs = 86_400_000;

    /// <summary>Lower bounds of buckets 1…; bucket 0 is everything below the first (0 ms).</summary>
    public static readonly int[] Bounds = CreateBounds();

    /// <summary>Buckets per histogram.</summary>
    public static int Length => Bounds.Length + 1;

    private static int[] CreateBounds()
    {
        var bounds = new List<int>();
        for (var bound = 1; bound <= TopMs; bound += Math.Max(1, bound / 10)) bounds.Add(bound);
        return [.. bounds];
    }

    /// <summary>The bucket of a latency: what PostgreSQL's <c>width_bucket(latency, bounds)</c> answers.</summary>
    public static int Bucket(int latencyMs)
    {
        var index = Array.BinarySearch(Bounds, latencyMs);
        return index >= 0 ? index + 1 : ~index;
    }

    /// <summary>
    /// The nearest-rank <paramref name="quantile"/> (0–1) of the latencies counted in <paramref name="counts"/>: the
    /// midpoint of the bucket holding that rank, clamped to the smallest and largest latency seen; null when nothing
    /// was counted.
    /// </summary>
    public static double? Quantile(IReadOnlyList<long> counts, int minMs, int maxMs, double quantile)
    {
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return null;
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var bucket = 0; bucket < counts.Count; bucket++)
        {
            seen += counts[bucket];
            if (seen < rank) continue;
            var (low, high) = Range(bucket);
            return Math.Clamp((low + high) / 2.0, minMs, maxMs);
        }
        return maxMs;
    }

    /// <summary>The smallest and largest whole latency a bucket holds (the last bucket is open: its bound).</summary>
    private static (int Low, int High) Range(int bucket) => bucket switch
    {
        0 => (0, 0),
        _ when bucket >= Bounds.Length => (Bounds[^1], Bounds[^1]),
        _ => (Bounds[bucket - 1], Bounds[bucket] - 1),
    };
}
