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

    /// <summary>Parts of <see cref="InputTokens"/>: read from and written to the provider's prompt cache.</summary>
    public int CachedInputTokens { get; init; }
    public int CacheWriteInputTokens { get; init; }
    /// <summary>Part of <see cref="CacheWriteInputTokens"/>: written to a one-hour cache.</summary>
    public int CacheWrite1hInputTokens { get; init; }
    /// <summary>Part of <see cref="OutputTokens"/>: reasoning.</summary>
    public int ReasoningOutputTokens { get; init; }
    /// <summary>The service tier's wire name; null for standard.</summary>
    public string? ServiceTier { get; init; }
    /// <summary>The cost by side (input: uncached, cached and cache-write input; output: output and reasoning); null when unpriced.</summary>
    public decimal? InputCostUsd { get; init; }
    public decimal? OutputCostUsd { get; init; }
    /// <summary>The price row the cost was computed from; null for client-given costs and unpriced requests.</summary>
    public long? PriceId { get; init; }
    /// <summary>
    /// The point's position in the feed (the row's xact_id): a reprice that corrects the cost moves it later, so the
    /// corrected point is sent again with a larger version; sinks that keep versions overwrite with it.
    /// </summary>
    public long Version { get; init; }

    /// <summary>The workspace the request was recorded in (its session's); null only for rows written without one.</summary>
    public Guid? WorkspaceId { get; init; }
}
