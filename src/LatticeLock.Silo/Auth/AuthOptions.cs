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

    /// <summary>Active (not revoked, not expired) API keys one user may hold; creating one more is 409.</summary>
    public int MaxActiveKeysPerUser { get; set; } = LatticeLock.Storage.Auth.ApiKeyRepository.DefaultMaxActiveKeysPerUser;

    /// <summary>
    /// Requests per second one API key may make on one silo (a token bucket holding <see cref="KeyBurstSeconds"/> of
    /// them); past it, 429 with Retry-After. A key's own <c>rate_limit_per_second</c> overrides it.
    /// </summary>
    public int KeyRequestsPerSecond { get; set; } = 10_000;

    /// <summary>Seconds of <see cref="KeyRequestsPerSecond"/> a quiet key may spend at once.</summary>
    public int KeyBurstSeconds { get; set; } = 2;

    /// <summary>Requests of one API key in progress at once on one silo; past it, 429. A key's own <c>max_concurrent_requests</c> overrides it.</summary>
    public int KeyMaxConcurrentRequests { get; set; } = 256;

    /// <summary>
    /// Analytics calls (<c>/v1/analytics/*</c>) per second one API key gets answered on one silo (a token bucket
    /// holding <see cref="KeyBurstSeconds"/> of them). Calls past it wait their turn, up to
    /// <see cref="KeyAnalyticsMaxWait"/>; one whose turn is further away is held that long and then answered 429 with
    /// Retry-After, so a caller flooding analytics paces itself instead of taking the silo's cores from the log.
    /// </summary>
    public int KeyAnalyticsPerSecond { get; set; } = 20;

    /// <summary>The longest an analytics call waits for its key's turn (also how long a refused one is held before its 429).</summary>
    public TimeSpan KeyAnalyticsMaxWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Load balancers and reverse proxies trusted to say who the client is: addresses or CIDR ranges, comma-separated
    /// (e.g. <c>10.0.0.5,10.1.0.0/16</c>). A request from one of them is taken to come from the last address in its
    /// <c>X-Forwarded-For</c> that is not itself trusted; from anyone else the header is ignored. Empty (default): the
    /// connection's own address, always.
    /// </summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>The parsed <see cref="KnownProxies"/>: single addresses and networks.</summary>
    public (List<System.Net.IPAddress> Addresses, List<System.Net.IPNetwork> Networks) ParsedKnownProxies()
    {
        var addresses = new List<System.Net.IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in KnownProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/')) networks.Add(System.Net.IPNetwork.Parse(entry));
            else addresses.Add(System.Net.IPAddress.Parse(entry));
        }
        return (addresses, networks);
    }
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
        if (o.KeyRequestsPerSecond is < 1 or > 10_000_000) errors.Add($"{AuthOptions.Section}:KeyRequestsPerSecond must be 1..10000000 (is {o.KeyRequestsPerSecond})");
        if (o.KeyBurstSeconds is < 1 or > 3600) errors.Add($"{AuthOptions.Section}:KeyBurstSeconds must be 1..3600 (is {o.KeyBurstSeconds})");
        if (o.KeyAnalyticsPerSecond is < 1 or > 1_000_000) errors.Add($"{AuthOptions.Section}:KeyAnalyticsPerSecond must be 1..1000000 (is {o.KeyAnalyticsPerSecond})");
        if (o.KeyAnalyticsMaxWait < TimeSpan.Zero || o.KeyAnalyticsMaxWait > TimeSpan.FromMinutes(1)) errors.Add($"{AuthOptions.Section}:KeyAnalyticsMaxWait must be between 0 and 1 minute (is {o.KeyAnalyticsMaxWait})");
        if (o.KeyMaxConcurrentRequests is < 1 or > 1_000_000) errors.Add($"{AuthOptions.Section}:KeyMaxConcurrentRequests must be 1..1000000 (is {o.KeyMaxConcurrentRequests})");
        try
        {
            o.ParsedKnownProxies();
        }
        catch (FormatException)
        {
            errors.Add($"{AuthOptions.Section}:KnownProxies must be IP addresses or CIDR ranges, comma-separated (is '{o.KnownProxies}')");
        }
        if (o.MaxActiveKeysPerUser is < 1 or > 100_000) errors.Add($"{AuthOptions.Section}:MaxActiveKeysPerUser must be 1..100000 (is {o.MaxActiveKeysPerUser})");
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
