namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// The metrics one recorded model request yields: latency, tokens, cost and outcome, by model, provider, task type
/// and project. <see cref="RequestId"/> identifies the point, so a sink can write it idempotently.
/// </summary>
public sealed record MetricPoint(
    Guid RequestId,
    DateTimeOffset Time,
    Guid? ProjectId,
    Guid? UserId,
    Guid? SessionId,
    string Provider,
    string ModelId,
    string? TaskType,
    string Status,
    int? LatencyMs,
    int InputTokens,
    int OutputTokens,
    decimal? CostUsd)
{
    public bool IsSuccess => Status == "success";
}
