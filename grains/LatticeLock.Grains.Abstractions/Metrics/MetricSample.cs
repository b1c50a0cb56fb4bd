namespace LatticeLock.Grains.Abstractions.Metrics;

/// <summary>What one stored model request contributes to the live metrics.</summary>
[GenerateSerializer, Immutable, Alias("ll.MetricSample")]
public sealed record MetricSample(
    [property: Id(0)] string Provider,
    [property: Id(1)] string ModelId,
    [property: Id(2)] string? TaskType,
    [property: Id(3)] string Status,
    [property: Id(4)] int? LatencyMs,
    [property: Id(5)] int InputTokens,
    [property: Id(6)] int OutputTokens,
    [property: Id(7)] decimal CostUsd);
