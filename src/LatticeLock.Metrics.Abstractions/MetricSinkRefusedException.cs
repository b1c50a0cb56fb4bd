namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// The store refused a whole call for its content (e.g. Timestream's <c>ValidationException</c>, a Bigtable
/// <c>INVALID_ARGUMENT</c> for the request): sending the same points again will fail the same way. The delivery pump
/// then splits the batch to find the points at fault, records each as rejected and moves on; only transient failures
/// (<see cref="MetricSinkUnavailableException"/> and anything else thrown) are retried.
/// </summary>
public sealed class MetricSinkRefusedException(string sink, string reason, Exception? inner = null)
    : Exception($"{sink} sink: the store refused the write: {reason}", inner)
{
    public string Sink { get; } = sink;

    /// <summary>The store's own explanation, recorded as the rejection reason of the point at fault.</summary>
    public string Reason { get; } = reason;
}
