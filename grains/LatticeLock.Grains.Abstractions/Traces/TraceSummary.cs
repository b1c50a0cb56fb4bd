namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>One trace of a session in a list: its root span's name, start, duration, span count, model requests and cost.</summary>
[GenerateSerializer, Immutable, Alias("ll.TraceSummary")]
public sealed record TraceSummary(
    [property: Id(0)] string TraceId,
    [property: Id(1)] string RootName,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] double DurationMs,
    [property: Id(4)] int Spans,
    [property: Id(5)] int ModelRequests,
    [property: Id(6)] long InputTokens,
    [property: Id(7)] long OutputTokens,
    [property: Id(8)] decimal CostUsd);
