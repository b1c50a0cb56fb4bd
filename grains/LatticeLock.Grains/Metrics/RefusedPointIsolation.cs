using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.Grains.Metrics;

/// <summary>
/// Writes a batch so that points a store refuses for good cannot stall delivery: when the store refuses a whole call
/// (<see cref="MetricSinkRefusedException"/>), the batch is halved and each half written again, down to single points;
/// a single refused point becomes a rejection (to <c>metric_rejections</c>) and the rest are written. A batch with one
/// bad point costs about 2·log2(n) extra calls. Every other failure propagates, so the caller retries the batch.
/// </summary>
public static class RefusedPointIsolation
{
    public static async Task<MetricSinkWriteResult> WriteAsync(IMetricSink sink, IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        try
        {
            return await sink.WriteAsync(points, cancellationToken);
        }
        catch (MetricSinkRefusedException refused) when (points.Count == 1)
        {
            return new MetricSinkWriteResult(0, [new RejectedMetricPoint(points[0].RequestId, refused.Reason)]);
        }
        catch (MetricSinkRefusedException) when (points.Count > 1)
        {
            var half = points.Count / 2;
            var first = await WriteAsync(sink, points.Take(half).ToList(), cancellationToken);
            var second = await WriteAsync(sink, points.Skip(half).ToList(), cancellationToken);
            return new MetricSinkWriteResult(first.Written + second.Written, [.. first.Rejected, .. second.Rejected]);
        }
    }
}
