using System.Diagnostics.Metrics;

namespace LatticeLock.Storage.Metrics;

/// <summary>Delivery counters per sink, published on the <c>LatticeLock.MetricDelivery</c> meter (OpenTelemetry-ready).</summary>
public static class MetricDeliveryMeter
{
    public const string MeterName = "LatticeLock.MetricDelivery";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("latticelock.metrics.delivered", "{point}", "Points stored by a sink");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("latticelock.metrics.rejected", "{point}", "Points a sink refused for good");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("latticelock.metrics.failures", "{batch}", "Batches that failed and will be retried");

    public static void RecordDelivered(string sink, int written, int rejected)
    {
        var tag = new KeyValuePair<string, object?>("sink", sink);
        if (written > 0) Delivered.Add(written, tag);
        if (rejected > 0) Rejected.Add(rejected, tag);
    }

    public static void RecordFailure(string sink) => Failures.Add(1, new KeyValuePair<string, object?>("sink", sink));
}
