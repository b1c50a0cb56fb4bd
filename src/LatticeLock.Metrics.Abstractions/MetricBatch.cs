namespace LatticeLock.Metrics.Abstractions;

/// <summary>Points read after <see cref="From"/>, up to and including <see cref="To"/>.</summary>
public sealed record MetricBatch(MetricCursor From, MetricCursor To, IReadOnlyList<MetricPoint> Points)
{
    /// <summary>
    /// The reprice generation the points were read under (each reprice chunk that changes costs moves it on); a
    /// consumer that derives sums from the costs refuses a batch read under an older one, as its costs may be stale.
    /// </summary>
    public long CostGeneration { get; init; }
}
