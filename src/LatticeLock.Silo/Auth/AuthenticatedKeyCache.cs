using System.Collections.Concurrent;
using System.Security.Cryptography;
using LatticeLock.Grains.Abstractions.Auth;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Keys this silo authenticated recently, so a busy key costs a hash comparison per request instead of a grain call.
/// An entry holds the SHA-256 of the exact key that succeeded and lives <see cref="Lifetime"/> at most (and never
/// past the key's expiry); a revocation or other change is announced by NOTIFY, and <see cref="ApiKeyChangeListener"/>
/// drops the entry at once, so revoking still takes effect on every silo within a second. Failures are never cached.
/// </summary>
public sealed class AuthenticatedKeyCache(TimeProvider clock)
{
    /// <summary>The longest a silo trusts a success without asking the key's grain again (also bounds a missed NOTIFY).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ApiKeyPrincipal? Find(string prefix, byte[] hash)
    {
        if (!_entries.TryGetValue(prefix, out var entry)) return null;
        if (clock.GetUtcNow() >= entry.Until || !CryptographicOperations.FixedTimeEquals(entry.Hash, hash)) return null;
        return entry.Principal;
    }

    public void Remember(string prefix, byte[] hash, ApiKeyPrincipal principal)
    {
        if (_entries.Count >= MaxEntries) _entries.Clear(); // a crude bound: a flood of distinct keys only costs grain calls
        var until = clock.GetUtcNow() + Lifetime;
        if (principal.ExpiresAt is { } expires && expires < until) until = expires;
        _entries[prefix] = new Entry(hash, principal, until);
    }

    public void Forget(string prefix) => _entries.TryRemove(prefix, out _);

    private sealed record Entry(byte[] Hash, ApiKeyPrincipal Principal, DateTimeOffset Until);
}
