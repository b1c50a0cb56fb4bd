using System.Collections.Concurrent;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Http;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Paces each API key's analytics calls on this silo (<see cref="AuthOptions.KeyAnalyticsPerSecond"/>): a call within
/// the key's rate goes at once; one past it waits for its turn (a timer, no thread and no connection); one whose turn
/// is more than <see cref="AuthOptions.KeyAnalyticsMaxWait"/> away is held that long and then answered 429. However
/// many callers loop on analytics, a key costs the silo about its rate in queries and answers, and the log keeps the
/// cores. Waiting callers are bounded by the key's requests in progress (<see cref="KeyRequestLimiter"/>).
/// </summary>
public sealed class AnalyticsPacer(IOptions<AuthOptions> options, TimeProvider clock)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly ConcurrentDictionary<Guid, Pace> _keys = new();

    public async Task WaitTurnAsync(ApiKeyPrincipal key, CancellationToken cancellationToken)
    {
        var o = options.Value;
        double rate = o.KeyAnalyticsPerSecond;
        var capacity = rate * o.KeyBurstSeconds;
        if (_keys.Count >= MaxTrackedKeys && !_keys.ContainsKey(key.KeyId)) _keys.Clear(); // a crude bound; keys are few
        var pace = _keys.GetOrAdd(key.KeyId, _ => new Pace(capacity, clock.GetTimestamp()));
        TimeSpan wait;
        bool refused;
        lock (pace)
        {
            var now = clock.GetTimestamp();
            pace.Tokens = Math.Min(capacity, pace.Tokens + clock.GetElapsedTime(pace.Refilled, now).TotalSeconds * rate);
            pace.Refilled = now;
            // The call's turn comes when the bucket (possibly owed by calls already waiting) holds a token again.
            wait = pace.Tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - pace.Tokens) / rate);
            refused = wait > o.KeyAnalyticsMaxWait;
            if (!refused) pace.Tokens -= 1; // the turn is taken now, so later callers queue behind it
        }
        if (refused)
        {
            await Task.Delay(o.KeyAnalyticsMaxWait, clock, cancellationToken); // held, so a caller that ignores 429 cannot spin
            throw new ApiProblem(StatusCodes.Status429TooManyRequests,
                $"this API key asks for analytics faster than {o.KeyAnalyticsPerSecond.ToString(CultureInfo.InvariantCulture)} calls per second on this silo " +
                "(LatticeLock__Auth__KeyAnalyticsPerSecond); retry after the delay in Retry-After");
        }
        if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, cancellationToken);
    }

    private sealed class Pace(double tokens, long refilled)
    {
        public double Tokens = tokens;
        public long Refilled = refilled;
    }
}
