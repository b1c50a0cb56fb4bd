namespace LatticeLock.Grains.Abstractions.Traces;

/// <summary>
/// Reads of stored traces (spans arrive over OTLP at the HTTP gateway's <c>/otlp/v1/traces</c>). A stateless worker:
/// call it with key 0. A trace id is scoped to its owner: every read names the owner whose trace it is (the gateway
/// passes the calling key's user, or the user an admin names).
/// </summary>
[Alias("ll.ITraceReaderGrain")]
public interface ITraceReaderGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// One page of the owner's trace (at most <paramref name="limit"/> spans, in tree order, from
    /// <paramref name="cursor"/> or the start), or null when none of its spans is stored for that owner.
    /// </summary>
    [Alias("GetTracePage")] Task<TracePage?> GetTracePage(Guid ownerId, string traceId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>The users that have a trace with this id (an admin reading a trace id without naming its owner).</summary>
    [Alias("OwnersOf")] Task<IReadOnlyList<Guid>> OwnersOf(string traceId, CancellationToken cancellationToken = default);

    /// <summary>The session's traces, newest first, at most <paramref name="limit"/>.</summary>
    [Alias("ListForSession")] Task<IReadOnlyList<TraceSummary>> ListForSession(Guid sessionId, int limit = 100, CancellationToken cancellationToken = default);
}
