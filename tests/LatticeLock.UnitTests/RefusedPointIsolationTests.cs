using LatticeLock.Grains.Metrics;
using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.UnitTests;

/// <summary>A point a store refuses for good is rejected and the rest delivered, instead of stalling the sink (issue 13, item 11).</summary>
public sealed class RefusedPointIsolationTests
{
    [Fact]
    public async Task Refused_points_are_found_by_halving_and_rejected_while_every_other_point_is_written()
    {
        var points = Enumerable.Range(0, 100).Select(i => Point(i is 17 or 64 ? new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero) : DateTimeOffset.UtcNow)).ToList();
        var sink = new RefusingSink();
        var result = await RefusedPointIsolation.WriteAsync(sink, points, default);

        Assert.Equal(98, result.Written);
        Assert.Equal(new[] { points[17].RequestId, points[64].RequestId }.Order(), result.Rejected.Select(r => r.RequestId).Order());
        Assert.All(result.Rejected, r => Assert.Equal("ValidationException: time before 1970", r.Reason));
        Assert.Equal(98, sink.Stored.Count);
        Assert.DoesNotContain(points[17].RequestId, sink.Stored);
        Assert.InRange(sink.Calls, 3, 30); // about 2·log2(100) per bad point, not one call per point
    }

    [Fact]
    public async Task A_transient_failure_is_not_isolated_but_thrown_so_the_batch_is_retried()
    {
        var sink = new RefusingSink { Unavailable = true };
        await Assert.ThrowsAsync<MetricSinkUnavailableException>(() => RefusedPointIsolation.WriteAsync(sink, [Point(DateTimeOffset.UtcNow)], default));
        Assert.Equal(1, sink.Calls);
    }

    private static MetricPoint Point(DateTimeOffset time) => new(Guid.NewGuid(), time, null, null, null, "openai", "gpt-4o", null, "success", 10, 1, 1, 0.1m);

    /// <summary>Like Timestream: one invalid record fails the whole call with a validation error.</summary>
    private sealed class RefusingSink : IMetricSink
    {
        public string Name => "refusing";
        public bool Unavailable { get; init; }
        public int Calls { get; private set; }
        public HashSet<Guid> Stored { get; } = [];

        public Task<MetricSinkWriteResult> WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
        {
            Calls++;
            if (Unavailable) throw new MetricSinkUnavailableException(Name, 3, new TimeoutException("no answer"));
            if (points.Any(p => p.Time < DateTimeOffset.UnixEpoch)) throw new MetricSinkRefusedException(Name, "ValidationException: time before 1970");
            foreach (var p in points) Stored.Add(p.RequestId);
            return Task.FromResult(MetricSinkWriteResult.AllWritten(points.Count));
        }
    }
}
