using LatticeLock.Storage.Analytics;

namespace LatticeLock.UnitTests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Buckets_are_one_millisecond_up_to_ten_then_at_most_a_tenth_wide()
    {
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], LatencyHistogram.Bounds.Take(12));
        Assert.Equal(LatencyHistogram.Bounds.Order(), LatencyHistogram.Bounds);
        Assert.True(LatencyHistogram.Bounds[^1] <= LatencyHistogram.TopMs);
        for (var i = 1; i < LatencyHistogram.Bounds.Length; i++)
        {
            var (low, next) = (LatencyHistogram.Bounds[i - 1], LatencyHistogram.Bounds[i]);
            Assert.True(next - low <= Math.Max(1, low / 10), $"bucket from {low} to {next} is wider than a tenth");
        }
        Assert.Equal(0, LatencyHistogram.Bucket(0));
        Assert.Equal(1, LatencyHistogram.Bucket(1));
        Assert.Equal(10, LatencyHistogram.Bucket(10));
        Assert.Equal(LatencyHistogram.Length - 1, LatencyHistogram.Bucket(int.MaxValue));
        // A bound starts its own bucket; the value below it is in the previous one.
        var b = LatencyHistogram.Bounds[40];
        Assert.Equal(LatencyHistogram.Bucket(b - 1) + 1, LatencyHistogram.Bucket(b));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Percentiles_are_within_five_percent_of_the_exact_nearest_rank(int seed)
    {
        var random = new Random(seed);
        var latencies = Enumerable.Range(0, 1 + random.Next(5000)).Select(_ => (int)Math.Exp(random.NextDouble() * 12)).ToList();
        var counts = new long[LatencyHistogram.Length];
        foreach (var l in latencies) counts[LatencyHistogram.Bucket(l)]++;
        var sorted = latencies.Order().ToList();
        foreach (var q in new[] { 0.01, 0.5, 0.9, 0.95, 0.99, 1.0 })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Count) - 1];
            var estimate = LatencyHistogram.Quantile(counts, sorted[0], sorted[^1], q)!.Value;
            Assert.True(Math.Abs(estimate - exact) <= exact * 0.05 + 0.5, $"q={q}: estimated {estimate}, exact {exact}");
        }
    }

    [Fact]
    public void A_single_latency_is_exact_and_nothing_counted_is_null()
    {
        var counts = new long[LatencyHistogram.Length];
        counts[LatencyHistogram.Bucket(900)] = 3;
        Assert.Equal(900, LatencyHistogram.Quantile(counts, 900, 900, 0.95));
        Assert.Null(LatencyHistogram.Quantile(new long[LatencyHistogram.Length], 0, 0, 0.5));
    }
}
