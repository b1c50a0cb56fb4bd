namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>
/// A stored model request's cost, reported by its session to the project's budget: when it was recorded (the budget
/// month it counts in), and whether this report is for a retry that found the request already stored
/// (<see cref="Duplicate"/>: its reservation is settled, its cost is not counted a second time).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ProjectSpend")]
public sealed record ProjectSpend(
    [property: Id(0)] Guid RequestId,
    [property: Id(1)] decimal CostUsd,
    [property: Id(2)] DateTimeOffset RecordedAt,
    [property: Id(3)] Guid? ReservationId,
    [property: Id(4)] bool Duplicate = false);
