namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// A sink gave up on a call after its retries (store unreachable, throttled, failing): the outcome of the batch is
/// unknown, so the caller must re-send it later. <see cref="Exception.InnerException"/> is the last failure.
/// </summary>
public sealed class MetricSinkUnavailableException(string sink, int attempts, Exception lastFailure)
    : Exception($"{sink} sink: the store did not accept the write after {attempts} attempt(s): {lastFailure.Message}", lastFailure)
{
    public string Sink { get; } = sink;
    public int Attempts { get; } = attempts;
}
