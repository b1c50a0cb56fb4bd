using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;

namespace LatticeLock.Grains.Projects;

internal static class BudgetSettingsValidation
{
    public const decimal MaxMonthlyUsd = 999_999_999_999.99m;
    public const int MaxThresholds = 20;
    public const int MaxThresholdPct = 1000;
    public const int MaxWebhookUrlLength = 2048;

    /// <summary>The settings with thresholds sorted, or <see cref="InvalidFieldException"/> naming the bad field.</summary>
    public static BudgetSettings Validated(BudgetSettings settings, WebhookTargetPolicy targets)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MonthlyUsd < 0) throw new InvalidFieldException("monthly_usd", $"must be >= 0 (got {settings.MonthlyUsd})");
        if (settings.MonthlyUsd > MaxMonthlyUsd) throw new InvalidFieldException("monthly_usd", $"must be at most {MaxMonthlyUsd}");
        if (decimal.Round(settings.MonthlyUsd, 2) != settings.MonthlyUsd) throw new InvalidFieldException("monthly_usd", "must have at most 2 decimal places");
        var thresholds = settings.AlertThresholdsPct ?? [];
        if (thresholds.Length > MaxThresholds) throw new InvalidFieldException("alert_thresholds_pct", $"must hold at most {MaxThresholds} thresholds");
        foreach (var t in thresholds)
        {
            if (t is < 1 or > MaxThresholdPct) throw new InvalidFieldException("alert_thresholds_pct", $"each threshold must be 1 to {MaxThresholdPct} (got {t})");
        }
        if (thresholds.Distinct().Count() != thresholds.Length) throw new InvalidFieldException("alert_thresholds_pct", "thresholds must be distinct");
        var webhook = settings.WebhookUrl;
        if (webhook is not null)
        {
            if (webhook.Length > MaxWebhookUrlLength) throw new InvalidFieldException("webhook_url", $"must be at most {MaxWebhookUrlLength} characters");
            if (!Uri.TryCreate(webhook, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new InvalidFieldException("webhook_url", "must be an absolute http or https URL");
            if (targets.RefusalOfHost(uri) is { } refusal) throw new InvalidFieldException("webhook_url", refusal);
        }
        return new BudgetSettings(settings.MonthlyUsd, [.. thresholds.Order()], webhook);
    }
}
