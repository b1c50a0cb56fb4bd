namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>A granted hold on a project's budget; settled by a model request carrying its id, or released, or expired.</summary>
[GenerateSerializer, Immutable, Alias("ll.BudgetReservation")]
public sealed record BudgetReservation(
    [property: Id(0)] Guid ReservationId,
    [property: Id(1)] Guid ProjectId,
    [property: Id(2)] decimal EstimatedCostUsd,
    [property: Id(3)] DateTimeOffset ExpiresAt);
