namespace LatticeLock.Storage.Analytics;

/// <summary>
/// One model's record in a window. <see cref="SuccessRate"/> is 0–1; <see cref="AvgCostPerSuccessUsd"/> is total
/// cost ÷ successful requests (failed calls cost money too); <see cref="CostPer1kTokensUsd"/> is total cost ÷ (input
/// + output tokens) × 1000; latency percentiles are nearest-rank over latency_ms, read from the aggregates'
/// <see cref="LatencyHistogram"/> (within 5 %, exact up to 10 ms and when every request had the same latency).
/// Feedback score is null until feedback is collected.
/// </summary>
public sealed record ModelLeaderboardRow(
    string ModelId,
    string Provider,
    long Requests,
    decimal SuccessRate,
    double? P50LatencyMs,
    double? P95LatencyMs,
    decimal? AvgCostPerSuccessUsd,
    [property: System.Text.Json.Serialization.JsonPropertyName("cost_per_1k_tokens_usd")] decimal? CostPer1kTokensUsd,
    decimal? FeedbackScore);
