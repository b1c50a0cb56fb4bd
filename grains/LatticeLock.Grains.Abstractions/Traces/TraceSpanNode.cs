namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// One span of a trace tree: its own timing (duration, and self time = duration minus the time covered by its
/// children), the model request it became if it was an LLM call, and the model requests, tokens and cost of its whole
/// subtree (itself included).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.TraceSpanNode")]
public sealed record TraceSpanNode(
    [property: Id(0)] string SpanId,
    [property: Id(1)] string? ParentSpanId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Kind,
    [property: Id(4)] long StartUnixNano,
    [property: Id(5)] long EndUnixNano,
    [property: Id(6)] double DurationMs,
    [property: Id(7)] double SelfTimeMs,
    [property: Id(8)] string Status,
    [property: Id(9)] string? StatusMessage,
    [property: Id(10)] TraceModelRequest? ModelRequest,
    [property: Id(11)] int SubtreeModelRequests,
    [property: Id(12)] long SubtreeInputTokens,
    [property: Id(13)] long SubtreeOutputTokens,
    [property: Id(14)] decimal SubtreeCostUsd,
    [property: Id(15)] IReadOnlyList<TraceSpanNode> Children);

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
