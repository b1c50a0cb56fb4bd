namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// Reads of stored traces (spans arrive over OTLP at the HTTP gateway's <c>/otlp/v1/traces</c>). A stateless worker:
/// call it with key 0. Who may read what is the caller's business (the gateway checks key scopes and ownership).
/// </summary>
[Alias("ll.ITraceReaderGrain")]
public interface ITraceReaderGrain : IGrainWithIntegerKey
{
    /// <summary>The trace as a tree with costs rolled up per subtree, or null when none of its spans is stored.</summary>
    [Alias("GetTrace")] Task<TraceTree?> GetTrace(string traceId, CancellationToken cancellationToken = default);

    /// <summary>The session's traces, newest first, at most <paramref name="limit"/>.</summary>
    [Alias("ListForSession")] Task<IReadOnlyList<TraceSummary>> ListForSession(Guid sessionId, int limit = 100, CancellationToken cancellationToken = default);
}
