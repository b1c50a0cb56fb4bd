namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>Asks to hold <see cref="EstimatedCostUsd"/> of the budget for a call about to be made.</summary>
[GenerateSerializer, Immutable, Alias("ll.ReserveBudget")]
public sealed record ReserveBudget(
    [property: Id(0)] decimal EstimatedCostUsd,
    [property: Id(1)] int? TtlSeconds = null)
{
    public const int DefaultTtlSeconds = 300;
    public const int MaxTtlSeconds = 86_400;
}
