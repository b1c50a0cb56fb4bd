using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace LatticeLock.Grains.Metrics;

/// <summary>
/// Delivery counters and lag per sink, published on the <c>LatticeLock.MetricDelivery</c> meter (OpenTelemetry-ready).
/// Lag is the time since the sink's pump on this silo last found nothing left to deliver: it grows while a sink is
/// down or behind, and drops to about zero once it has caught up.
/// </summary>
public static class MetricDeliveryMeter
{
    public const string MeterName = "LatticeLock.MetricDelivery";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("latticelock.metrics.delivered", "{point}", "Points stored by a sink");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("latticelock.metrics.rejected", "{point}", "Points a sink refused for good");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("latticelock.metrics.failures", "{batch}", "Batches that failed and will be retried");

    private static readonly ConcurrentDictionary<string, DateTimeOffset> CaughtUpAt = new(StringComparer.Ordinal);

    static MetricDeliveryMeter()
    {
        Meter.CreateObservableGauge("latticelock.metrics.lag", ObserveLag, "s", "Seconds since the sink last had nothing left to deliver");
    }

    /// <summary>The pump read an empty batch: everything committed so far has reached the sink.</summary>
    public static void RecordCaughtUp(string sink, DateTimeOffset now) => CaughtUpAt[sink] = now;

    private static IEnumerable<Measurement<double>> ObserveLag()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (sink, at) in CaughtUpAt)
            yield return new Measurement<double>(Math.Max(0, (now - at).TotalSeconds), new KeyValuePair<string, object?>("sink", sink));
    }

    public static void RecordDelivered(string sink, int written, int rejected)
    {
        var tag = new KeyValuePair<string, object?>("sink", sink);
        if (written > 0) Delivered.Add(written, tag);
        if (rejected > 0) Rejected.Add(rejected, tag);
    }

    public static void RecordFailure(string sink) => Failures.Add(1, new KeyValuePair<string, object?>("sink", sink));
}
