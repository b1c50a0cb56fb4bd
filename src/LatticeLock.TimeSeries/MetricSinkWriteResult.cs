namespace LatticeLock.TimeSeries;

/// <summary>Outcome of one <see cref="IMetricSink.WriteAsync"/>: points stored, and points the store refused for good.</summary>
public sealed record MetricSinkWriteResult(int Written, IReadOnlyList<RejectedMetricPoint> Rejected)
{
    public static MetricSinkWriteResult AllWritten(int count) => new(count, []);
}

/// <summary>A point the store will never accept as sent (bad value, a different value already stored, ...).</summary>
public sealed record RejectedMetricPoint(Guid RequestId, string Reason);
