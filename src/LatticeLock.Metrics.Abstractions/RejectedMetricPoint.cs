namespace LatticeLock.Metrics.Abstractions;

/// <summary>A point the store will never accept as sent (bad value, a different value already stored, ...).</summary>
public sealed record RejectedMetricPoint(Guid RequestId, string Reason);
