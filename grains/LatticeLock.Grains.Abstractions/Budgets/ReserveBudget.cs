namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>
/// Asks to hold <see cref="EstimatedCostUsd"/> of the budget for a call about to be made. With a
/// <see cref="ReservationId"/> it is idempotent: a repeat while the reservation is live answers the same reservation,
/// a repeat with other content (or once it has ended) is a conflict naming <c>id</c>; without one a new id is made.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ReserveBudget")]
public sealed record ReserveBudget(
    [property: Id(0)] decimal EstimatedCostUsd,
    [property: Id(1)] int? TtlSeconds = null,
    [property: Id(2)] Guid? ReservationId = null)
{
    public const int DefaultTtlSeconds = 300;
    public const int MaxTtlSeconds = 86_400;
}
