namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>
/// Month-to-date position of a project's budget. <see cref="RemainingUsd"/> = monthly − spent − reserved (may be
/// negative when spend overran); <see cref="ForecastUsd"/> extrapolates spend linearly to the end of the month.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.BudgetStatus")]
public sealed record BudgetStatus(
    [property: Id(0)] Guid ProjectId,
    [property: Id(1)] decimal MonthlyUsd,
    [property: Id(2)] decimal SpentUsd,
    [property: Id(3)] decimal ReservedUsd,
    [property: Id(4)] decimal RemainingUsd,
    [property: Id(5)] decimal ForecastUsd,
    [property: Id(6)] DateTimeOffset PeriodStart,
    [property: Id(7)] int ActiveReservations,
    [property: Id(8)] int[] AlertThresholdsPct,
    [property: Id(9)] string? WebhookUrl);
