namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>
/// A project's monthly budget (calendar month, UTC): alerts fire once per threshold per month when spend reaches
/// that percentage of <see cref="MonthlyUsd"/>; each is POSTed to <see cref="WebhookUrl"/> when one is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.BudgetSettings")]
public sealed record BudgetSettings(
    [property: Id(0)] decimal MonthlyUsd,
    [property: Id(1)] int[] AlertThresholdsPct,
    [property: Id(2)] string? WebhookUrl);
