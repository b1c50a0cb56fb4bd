namespace LatticeLock.Storage.Traces;

/// <summary>
/// The spans of one export request, sent with one user's key, and the session each trace belongs to when a span
/// names one.
/// </summary>
public sealed record SpanBatch(Guid UserId, IReadOnlyList<SpanRow> Spans, IReadOnlyDictionary<string, Guid> TraceSessions);

/// <summary>What committing a batch did: spans stored now, spans already stored (retries), spans refused because their trace belongs to another user.</summary>
public sealed record SpanBatchResult(int Stored, int AlreadyStored, IReadOnlyList<string> ForeignTraces);
