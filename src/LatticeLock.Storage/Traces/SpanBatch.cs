namespace LatticeLock.Storage.Traces;

/// <summary>
/// The spans of one export request, sent with one user's key (their owner: trace ids are scoped to it), the resources
/// they reference, and the session each trace belongs to when a span names one. A trace lives in its session's
/// workspace; one without a session in <see cref="WorkspaceId"/> (the key's workspace, else the user's personal one).
/// </summary>
public sealed record SpanBatch(Guid UserId, IReadOnlyList<SpanRow> Spans, IReadOnlyDictionary<string, Guid> TraceSessions,
    IReadOnlyList<SpanResource> Resources, Guid WorkspaceId);

/// <summary>What committing a batch did: spans stored now, spans already stored (retries).</summary>
public sealed record SpanBatchResult(int Stored, int AlreadyStored);
