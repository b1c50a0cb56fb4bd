using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Budgets of refused authentications on this silo, one token bucket per client address and one per key prefix
/// (<see cref="AuthOptions.FailuresPerMinutePerAddress"/>, <see cref="AuthOptions.FailuresPerMinutePerKey"/>; the limit
/// is also the burst). Only failures spend tokens, so a client that authenticates is never slowed by its own traffic.
/// </summary>
public sealed class AuthFailureLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _keys;
    private readonly TimeSpan _addressPeriod;
    private readonly TimeSpan _keyPeriod;

    public AuthFailureLimiter(IOptions<AuthOptions> options)
    {
        var o = options.Value;
        _addressPeriod = TimeSpan.FromMinutes(1) / o.FailuresPerMinutePerAddress;
        _keyPeriod = TimeSpan.FromMinutes(1) / o.FailuresPerMinutePerKey;
        _addresses = Buckets(o.FailuresPerMinutePerAddress, _addressPeriod);
        _keys = Buckets(o.FailuresPerMinutePerKey, _keyPeriod);
    }

    /// <summary>How long <paramref name="address"/> must wait before its next attempt; null while it has failures to spare.</summary>
    public TimeSpan? AddressRetryAfter(string address) => Exhausted(_addresses, address) ? _addressPeriod : null;

    /// <summary>How long before a wrong secret for <paramref name="prefix"/> gets a 401 again rather than a 429; null while it has failures to spare.</summary>
    public TimeSpan? KeyRetryAfter(string prefix) => Exhausted(_keys, prefix) ? _keyPeriod : null;

    /// <summary>Spends one failure from the address's budget and, when a prefix was given, from the key's.</summary>
    public void Spend(string address, string? prefix)
    {
        using (_addresses.AttemptAcquire(address)) { }
        if (prefix is not null) using (_keys.AttemptAcquire(prefix)) { }
    }

    public void Dispose()
    {
        _addresses.Dispose();
        _keys.Dispose();
    }

    private static bool Exhausted(PartitionedRateLimiter<string> limiter, string key) =>
        limiter.GetStatistics(key) is { CurrentAvailablePermits: <= 0 };

    private static PartitionedRateLimiter<string> Buckets(int perMinute, TimeSpan period) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
}
