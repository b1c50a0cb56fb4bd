namespace LatticeLock.Storage.Traces;

/// <summary>
/// The spans of one export request, sent with one user's key (their owner: trace ids are scoped to it), the resources
/// they reference, and the session each trace belongs to when a span names one.
/// </summary>
public sealed record SpanBatch(Guid UserId, IReadOnlyList<SpanRow> Spans, IReadOnlyDictionary<string, Guid> TraceSessions,
    IReadOnlyList<SpanResource> Resources);

/// <summary>What committing a batch did: spans stored now, spans already stored (retries).</summary>
public sealed record SpanBatchResult(int Stored, int AlreadyStored);
