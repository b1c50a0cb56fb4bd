namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// A stored trace as a tree: root spans (no parent, or a parent that was never received) with their children, and
/// the totals of the whole trace.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.TraceTree")]
public sealed record TraceTree(
    [property: Id(0)] string TraceId,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] Guid? SessionId,
    [property: Id(3)] int Spans,
    [property: Id(4)] double DurationMs,
    [property: Id(5)] int ModelRequests,
    [property: Id(6)] long InputTokens,
    [property: Id(7)] long OutputTokens,
    [property: Id(8)] decimal CostUsd,
    [property: Id(9)] IReadOnlyList<TraceSpanNode> Roots);
