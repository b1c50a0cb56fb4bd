namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>A newly stored model request's cost, reported by its session to the project's budget.</summary>
[GenerateSerializer, Immutable, Alias("ll.ProjectSpend")]
public sealed record ProjectSpend(
    [property: Id(0)] Guid RequestId,
    [property: Id(1)] decimal CostUsd,
    [property: Id(2)] DateTimeOffset RequestedAt,
    [property: Id(3)] Guid? ReservationId);
