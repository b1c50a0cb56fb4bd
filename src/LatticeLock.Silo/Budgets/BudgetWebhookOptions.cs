using LatticeLock.Grains.Projects;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Budgets;

/// <summary>Delivery of budget alerts to project webhooks (section <c>Budgets:Webhooks</c>).</summary>
public sealed class BudgetWebhookOptions
{
    public const string Section = "Budgets:Webhooks";

    /// <summary>How often each silo looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Attempts before a delivery is marked failed.</summary>
    public int MaxAttempts { get; set; } = 8;
    /// <summary>Longest wait after the first failure; doubled after each further one, up to <see cref="MaxBackoff"/> (each wait is drawn between half that and all of it).</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Time allowed for one POST.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Private networks an operator trusts webhooks to reach (comma-separated CIDRs or addresses, e.g.
    /// <c>10.20.0.0/16,192.168.1.5</c>). Empty by default: webhooks reach public addresses only.
    /// </summary>
    public string AllowedPrivateNetworks { get; set; } = "";
}

public sealed class BudgetWebhookOptionsValidator : IValidateOptions<BudgetWebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetWebhookOptions o)
    {
        var errors = new List<string>();
        if (o.PollInterval <= TimeSpan.Zero) errors.Add($"{BudgetWebhookOptions.Section}:PollInterval must be positive");
        if (o.MaxAttempts < 1) errors.Add($"{BudgetWebhookOptions.Section}:MaxAttempts must be at least 1");
        if (o.InitialBackoff <= TimeSpan.Zero) errors.Add($"{BudgetWebhookOptions.Section}:InitialBackoff must be positive");
        if (o.MaxBackoff < o.InitialBackoff) errors.Add($"{BudgetWebhookOptions.Section}:MaxBackoff must be at least InitialBackoff");
        if (o.RequestTimeout <= TimeSpan.Zero) errors.Add($"{BudgetWebhookOptions.Section}:RequestTimeout must be positive");
        try
        {
            WebhookTargetPolicy.Parse(o.AllowedPrivateNetworks, $"{BudgetWebhookOptions.Section}:AllowedPrivateNetworks");
        }
        catch (InvalidOperationException e)
        {
            errors.Add(e.Message);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
