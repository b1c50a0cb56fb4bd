using System.Collections.Concurrent;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Fair share per API key on this silo: a token bucket (<see cref="AuthOptions.KeyRequestsPerSecond"/>, holding
/// <see cref="AuthOptions.KeyBurstSeconds"/> of them) and a cap on requests in progress
/// (<see cref="AuthOptions.KeyMaxConcurrentRequests"/>), each overridable per key. A key past either gets 429 with
/// Retry-After, so one busy caller cannot take every slot, connection or core from the others.
/// </summary>
public sealed class KeyRequestLimiter(IOptions<AuthOptions> options, TimeProvider clock)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly ConcurrentDictionary<Guid, Bucket> _buckets = new();

    /// <summary>A lease to dispose when the request ends, or the refusal (what was passed, and when to retry).</summary>
    public (IDisposable? Lease, string? Refusal, TimeSpan RetryAfter) TryAcquire(ApiKeyPrincipal key)
    {
        var o = options.Value;
        var rate = key.RateLimitPerSecond ?? o.KeyRequestsPerSecond;
        var concurrent = key.MaxConcurrentRequests ?? o.KeyMaxConcurrentRequests;
        if (_buckets.Count >= MaxTrackedKeys && !_buckets.ContainsKey(key.KeyId)) _buckets.Clear(); // a crude bound; keys are few
        var bucket = _buckets.GetOrAdd(key.KeyId, _ => new Bucket(rate * (double)o.KeyBurstSeconds, clock.GetTimestamp()));
        lock (bucket)
        {
            var now = clock.GetTimestamp();
            var capacity = rate * (double)o.KeyBurstSeconds;
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + clock.GetElapsedTime(bucket.Refilled, now).TotalSeconds * rate);
            bucket.Refilled = now;
            if (bucket.InFlight >= concurrent)
                return (null, $"this API key has {bucket.InFlight} requests in progress on this silo, its limit " +
                    $"({(key.MaxConcurrentRequests is null ? "LatticeLock__Auth__KeyMaxConcurrentRequests" : "the key's max_concurrent_requests")} = {concurrent}); retry after the delay in Retry-After",
                    TimeSpan.FromSeconds(1));
            if (bucket.Tokens < 1)
                return (null, $"this API key made more than {rate.ToString(CultureInfo.InvariantCulture)} requests per second on this silo, its limit " +
                    $"({(key.RateLimitPerSecond is null ? "LatticeLock__Auth__KeyRequestsPerSecond" : "the key's rate_limit_per_second")}); retry after the delay in Retry-After",
                    TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - bucket.Tokens) / rate))));
            bucket.Tokens -= 1;
            bucket.InFlight++;
        }
        return (new Lease(bucket), null, TimeSpan.Zero);
    }

    private sealed class Bucket(double tokens, long refilled)
    {
        public double Tokens = tokens;
        public long Refilled = refilled;
        public int InFlight;
    }

    private sealed class Lease(Bucket bucket) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (bucket) bucket.InFlight--;
        }
    }
}
