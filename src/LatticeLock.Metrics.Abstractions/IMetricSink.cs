namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// A time-series store that metric points are delivered to. Writes must be idempotent per
/// <see cref="MetricPoint.RequestId"/>: the delivery pump re-sends a batch after any failure, so a point may arrive
/// more than once and must still be stored once.
/// </summary>
public interface IMetricSink
{
    /// <summary>Stable name, used as the key of the sink's cursor (e.g. <c>postgres</c>, <c>timestream</c>, <c>bigtable</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Writes the points. Returns once every point is stored or permanently rejected (listed in the result, never
    /// retried). Throws when the outcome is unknown or the store is unavailable; the caller then retries the batch.
    /// </summary>
    Task<MetricSinkWriteResult> WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken);
}
