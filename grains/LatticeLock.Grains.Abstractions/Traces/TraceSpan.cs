namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// One span of a trace page: its place in the tree (<see cref="ParentSpanId"/>, <see cref="Depth"/>: 0 for a root,
/// a span whose parent never arrived, or the span where a parent cycle was cut), its own timing (self time = duration
/// minus the time covered by its children), the model request it became if it was an LLM call, and the model
/// requests, tokens and cost of its whole subtree (itself included).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.TraceSpan")]
public sealed record TraceSpan(
    [property: Id(0)] string SpanId,
    [property: Id(1)] string? ParentSpanId,
    [property: Id(2)] int Depth,
    [property: Id(3)] string Name,
    [property: Id(4)] string Kind,
    [property: Id(5)] long StartUnixNano,
    [property: Id(6)] long EndUnixNano,
    [property: Id(7)] double DurationMs,
    [property: Id(8)] double SelfTimeMs,
    [property: Id(9)] string Status,
    [property: Id(10)] string? StatusMessage,
    [property: Id(11)] TraceModelRequest? ModelRequest,
    [property: Id(12)] int ChildCount,
    [property: Id(13)] int SubtreeModelRequests,
    [property: Id(14)] long SubtreeInputTokens,
    [property: Id(15)] long SubtreeOutputTokens,
    [property: Id(16)] decimal SubtreeCostUsd);
