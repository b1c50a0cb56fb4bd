namespace LatticeLock.Storage.Budgets;

/// <summary>One <c>alert_events</c> row: a budget threshold crossed in a month, and its webhook delivery.</summary>
public sealed record AlertEvent(
    long Id,
    Guid ProjectId,
    DateOnly PeriodStart,
    int ThresholdPct,
    decimal SpentUsd,
    decimal MonthlyUsd,
    string? WebhookUrl,
    string DeliveryStatus,
    int Attempts,
    DateTimeOffset CreatedAt,
    string? LastError,
    int? LastStatusCode);
