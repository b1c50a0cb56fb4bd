namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>A reservation that does not fit what is left of the budget; nothing was reserved (HTTP 402).</summary>
[GenerateSerializer, Alias("ll.BudgetExceededException")]
public sealed class BudgetExceededException(decimal remainingUsd, decimal estimatedCostUsd)
    : Exception($"estimated_cost_usd: {estimatedCostUsd} does not fit the remaining budget of {remainingUsd} USD")
{
    [Id(0)] public decimal RemainingUsd { get; } = remainingUsd;
    [Id(1)] public decimal EstimatedCostUsd { get; } = estimatedCostUsd;
}
