namespace LatticeLock.Metrics.Abstractions;

/// <summary>Points read after <see cref="From"/>, up to and including <see cref="To"/>.</summary>
public sealed record MetricBatch(MetricCursor From, MetricCursor To, IReadOnlyList<MetricPoint> Points);
