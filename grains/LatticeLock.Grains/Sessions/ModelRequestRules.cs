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

    /// <summary>
    /// How far in the past a new request's <c>requested_at</c> may lie (a backfill); older ones get 400 naming
    /// <c>requested_at</c>, so no caller can scatter rows over decades of partitions and daily aggregates. A retry of
    /// a stored request is recognised whatever its time.
    /// </summary>
    public TimeSpan MaxPastAge { get; set; } = TimeSpan.FromDays(731);
}

/// <summary>Fails start-up naming the <see cref="ModelRequestRules"/> setting out of range.</summary>
public sealed class ModelRequestRulesValidator : IValidateOptions<ModelRequestRules>
{
    public ValidateOptionsResult Validate(string? name, ModelRequestRules rules)
    {
        if (rules.MaxFutureSkew < TimeSpan.Zero || rules.MaxFutureSkew > TimeSpan.FromDays(1))
            return ValidateOptionsResult.Fail($"{ModelRequestRules.Section}:MaxFutureSkew must be between 00:00:00 and 1.00:00:00 (is {rules.MaxFutureSkew})");
        if (rules.MaxPastAge < TimeSpan.FromDays(1) || rules.MaxPastAge > TimeSpan.FromDays(36_500))
            return ValidateOptionsResult.Fail($"{ModelRequestRules.Section}:MaxPastAge must be between 1.00:00:00 and 36500.00:00:00 (is {rules.MaxPastAge})");
        return ValidateOptionsResult.Success;
    }
}
