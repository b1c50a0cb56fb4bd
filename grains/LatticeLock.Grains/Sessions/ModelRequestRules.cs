using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Sessions;

/// <summary>What a session accepts in a model request beyond its fields' own rules (section <c>LatticeLock:ModelRequests</c>).</summary>
public sealed class ModelRequestRules
{
    public const string Section = "LatticeLock:ModelRequests";

    /// <summary>
    /// How far in the future (by the silo's clock) a request's <c>requested_at</c> may lie, for client clock skew;
    /// later ones get 400 naming <c>requested_at</c>. Budgets never depend on it: they count by the recording time.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Fails start-up naming the <see cref="ModelRequestRules"/> setting out of range.</summary>
public sealed class ModelRequestRulesValidator : IValidateOptions<ModelRequestRules>
{
    public ValidateOptionsResult Validate(string? name, ModelRequestRules rules) =>
        rules.MaxFutureSkew < TimeSpan.Zero || rules.MaxFutureSkew > TimeSpan.FromDays(1)
            ? ValidateOptionsResult.Fail($"{ModelRequestRules.Section}:MaxFutureSkew must be between 00:00:00 and 1.00:00:00 (is {rules.MaxFutureSkew})")
            : ValidateOptionsResult.Success;
}
