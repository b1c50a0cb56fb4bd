namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>
/// Refused before anything was queued or written, because a bounded resource is full (e.g. the bytes of model
/// requests awaiting commit): the request was NOT recorded; retry after a short wait (HTTP 503 with Retry-After).
/// </summary>
[GenerateSerializer, Alias("ll.OverloadedException")]
public sealed class OverloadedException(string message) : Exception(message);
