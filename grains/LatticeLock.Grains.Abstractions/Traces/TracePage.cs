namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// One page of a stored trace: the trace's totals, then its spans as a flat list in tree order (depth first, siblings
/// in start order), each with its parent and depth, so a reader draws the tree page by page without recursion.
/// <see cref="NextCursor"/> reads the next page; null on the last one.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.TracePage")]
public sealed record TracePage(
    [property: Id(0)] string TraceId,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] Guid? SessionId,
    [property: Id(3)] int SpanCount,
    [property: Id(4)] double DurationMs,
    [property: Id(5)] int ModelRequests,
    [property: Id(6)] long InputTokens,
    [property: Id(7)] long OutputTokens,
    [property: Id(8)] decimal CostUsd,
    [property: Id(9)] IReadOnlyList<TraceSpan> Spans,
    [property: Id(10)] string? NextCursor);

/// <summary>The model request an LLM span became: model, provider, tokens and cost as stored in <c>model_requests</c>.</summary>
[GenerateSerializer, Immutable, Alias("ll.TraceModelRequest")]
public sealed record TraceModelRequest(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid SessionId,
    [property: Id(2)] string ModelId,
    [property: Id(3)] string Provider,
    [property: Id(4)] int InputTokens,
    [property: Id(5)] int OutputTokens,
    [property: Id(6)] decimal? CostUsd);
