using Orleans.Concurrency;

namespace LatticeLock.Grains.Abstractions.Metrics;

/// <summary>
/// A stateless worker, local to each silo, that folds samples of newly stored requests into in-process metrics
/// (OpenTelemetry-ready meters) in batches. Fire-and-forget: recording never waits for it. Durable delivery to the
/// time-series stores does not depend on it; that follows the model_requests log (see IMetricPumpGrain).
/// </summary>
[Alias("ll.IMetricAggregatorGrain")]
public interface IMetricAggregatorGrain : IGrainWithIntegerKey
{
    [OneWay, Alias("Record")] Task Record(MetricSample sample);
}
