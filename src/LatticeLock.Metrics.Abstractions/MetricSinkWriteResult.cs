namespace LatticeLock.Metrics.Abstractions;

/// <summary>Outcome of one <see cref="IMetricSink.WriteAsync"/>: points stored, and points the store refused for good.</summary>
public sealed record MetricSinkWriteResult(int Written, IReadOnlyList<RejectedMetricPoint> Rejected)
{
    public static MetricSinkWriteResult AllWritten(int count) => new(count, []);
}
