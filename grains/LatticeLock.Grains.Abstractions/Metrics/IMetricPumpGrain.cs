namespace LatticeLock.Grains.Abstractions.Metrics;

/// <summary>
/// Delivers model requests to one metric consumer (a sink, or the cost aggregates), keyed by its name: one
/// activation in the cluster, kept alive by a reminder, follows the consumer's cursor over model_requests.
/// </summary>
[Alias("ll.IMetricPumpGrain")]
public interface IMetricPumpGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the pump runs (idempotent; every silo calls it at start-up).</summary>
    [Alias("Start")] Task Start();

    /// <summary>Delivers everything committed so far, now; returns the number of points delivered (for tests and tools).</summary>
    [Alias("CatchUp")] Task<long> CatchUp(CancellationToken cancellationToken = default);

    /// <summary>Runs the consumer's upkeep now (partitions ahead, p95 refresh); the reminder does it every minute.</summary>
    [Alias("Maintain")] Task Maintain(CancellationToken cancellationToken = default);
}
