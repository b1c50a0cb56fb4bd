namespace LatticeLock.Storage.Analytics;

/// <summary>
/// Totals of one group; <see cref="Key"/> is null for requests without that dimension (no task type, no project).
/// <see cref="CachedInputTokens"/> and <see cref="CacheWriteInputTokens"/> are parts of <see cref="InputTokens"/>,
/// <see cref="ReasoningOutputTokens"/> of <see cref="OutputTokens"/>; <see cref="InputCostUsd"/> and
/// <see cref="OutputCostUsd"/> split <see cref="CostUsd"/> by side. By token class: <see cref="CachedInputCostUsd"/> and
/// <see cref="CacheWriteInputCostUsd"/> are parts of the input side (the rest, <see cref="UncachedInputCostUsd"/>, is
/// the uncached input and any client-given input cost), <see cref="ReasoningOutputCostUsd"/> of the output side.
/// </summary>
public sealed record CostRow(string? Key, long Requests, long InputTokens, long OutputTokens, decimal CostUsd,
    long CachedInputTokens = 0, long CacheWriteInputTokens = 0, long ReasoningOutputTokens = 0, decimal InputCostUsd = 0, decimal OutputCostUsd = 0,
    decimal CachedInputCostUsd = 0, decimal CacheWriteInputCostUsd = 0, decimal ReasoningOutputCostUsd = 0)
{
    public decimal UncachedInputCostUsd => InputCostUsd - CachedInputCostUsd - CacheWriteInputCostUsd;
    public decimal PlainOutputCostUsd => OutputCostUsd - ReasoningOutputCostUsd;
}
