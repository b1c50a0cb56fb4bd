namespace LatticeLock.Silo.Auth;

/// <summary>Refused authentications: how many a client may cause, and how long their records are kept (section <c>LatticeLock:Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "LatticeLock:Auth";

    /// <summary>
    /// Refused authentications one client address may cause per minute on one silo (also the burst); past it, that
    /// address gets 429 with Retry-After before any key lookup, except for a key this silo accepted in the last seconds.
    /// </summary>
    public int FailuresPerMinutePerAddress { get; set; } = 60;

    /// <summary>Refused authentications per minute on one silo for one key prefix (guessing one key's secret), from any address.</summary>
    public int FailuresPerMinutePerKey { get; set; } = 20;

    /// <summary>Days that <c>auth_failures</c> and <c>auth_events</c> rows are kept; older ones are deleted hourly.</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>Distinct (minute, prefix, address) counts held in memory between writes; further ones fold into one overflow row.</summary>
    public int MaxPendingFailureRows { get; set; } = 10_000;
}

/// <summary>Fails start-up naming the <see cref="AuthOptions"/> setting that is out of range.</summary>
public sealed class AuthOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AuthOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AuthOptions o)
    {
        var errors = new List<string>();
        if (o.FailuresPerMinutePerAddress is < 1 or > 1_000_000) errors.Add($"{AuthOptions.Section}:FailuresPerMinutePerAddress must be 1..1000000 (is {o.FailuresPerMinutePerAddress})");
        if (o.FailuresPerMinutePerKey is < 1 or > 1_000_000) errors.Add($"{AuthOptions.Section}:FailuresPerMinutePerKey must be 1..1000000 (is {o.FailuresPerMinutePerKey})");
        if (o.RetentionDays is < 1 or > 36_500) errors.Add($"{AuthOptions.Section}:RetentionDays must be 1..36500 (is {o.RetentionDays})");
        if (o.MaxPendingFailureRows is < 1 or > 1_000_000) errors.Add($"{AuthOptions.Section}:MaxPendingFailureRows must be 1..1000000 (is {o.MaxPendingFailureRows})");
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
