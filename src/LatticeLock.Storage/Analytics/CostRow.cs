namespace LatticeLock.Storage.Analytics;

/// <summary>
/// Totals of one group; <see cref="Key"/> is null for requests without that dimension (no task type, no project).
/// <see cref="CachedInputTokens"/> and <see cref="CacheWriteInputTokens"/> are parts of <see cref="InputTokens"/>,
/// <see cref="ReasoningOutputTokens"/> of <see cref="OutputTokens"/>; <see cref="InputCostUsd"/> and
/// <see cref="OutputCostUsd"/> split <see cref="CostUsd"/> by side.
/// </summary>
public sealed record CostRow(string? Key, long Requests, long InputTokens, long OutputTokens, decimal CostUsd,
    long CachedInputTokens = 0, long CacheWriteInputTokens = 0, long ReasoningOutputTokens = 0, decimal InputCostUsd = 0, decimal OutputCostUsd = 0);
