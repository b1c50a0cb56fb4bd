using LatticeLock.Storage.Auth;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Refused authentications counted in memory per minute, key prefix and client address until
/// <see cref="AuthFailureWriter"/> adds them to <c>auth_failures</c>. Bounded: past
/// <see cref="AuthOptions.MaxPendingFailureRows"/> distinct rows, further failures are counted in one row per minute
/// whose address is <see cref="OverflowAddress"/>, so a flood from many addresses cannot grow memory.
/// </summary>
public sealed class AuthFailureCounts(TimeProvider clock, IOptions<AuthOptions> options)
{
    public const string OverflowAddress = "(other addresses)";

    private readonly Lock _lock = new();
    private Dictionary<(DateTimeOffset Minute, string Prefix, string Address), AuthFailureCount> _pending = [];

    public void Add(string? prefix, string address, string reason, string? userAgent)
    {
        var now = clock.GetUtcNow();
        var minute = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        lock (_lock) Merge(new AuthFailureCount(minute, prefix ?? "", address, 1, reason, string.IsNullOrEmpty(userAgent) ? null : userAgent));
    }

    /// <summary>Takes every pending count, leaving none.</summary>
    public List<AuthFailureCount> Drain()
    {
        lock (_lock)
        {
            var taken = _pending.Values.ToList();
            _pending = [];
            return taken;
        }
    }

    /// <summary>Puts back counts that could not be written, to go with the next write.</summary>
    public void Restore(IEnumerable<AuthFailureCount> counts)
    {
        lock (_lock)
            foreach (var count in counts) Merge(count);
    }

    private void Merge(AuthFailureCount count)
    {
        var key = (count.Minute, count.KeyPrefix, count.RemoteAddress);
        if (!_pending.ContainsKey(key) && _pending.Count >= options.Value.MaxPendingFailureRows)
        {
            key = (count.Minute, "", OverflowAddress);
            count = count with { KeyPrefix = "", RemoteAddress = OverflowAddress };
        }
        _pending[key] = _pending.TryGetValue(key, out var existing)
            ? count with { Attempts = existing.Attempts + count.Attempts }
            : count;
    }
}
