using System.Collections.Concurrent;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Key prefixes this silo was told are unknown (no such key), remembered for <see cref="Lifetime"/>: a flood of made-up
/// keys costs a dictionary lookup each, not a grain activation and a query. Bounded: past
/// <see cref="MaxEntries"/> the memory is dropped and rebuilt. Prefixes are 12 random characters, so a key created
/// later is practically never one remembered as unknown; a creation on this silo forgets its prefix at once anyway.
/// </summary>
public sealed class UnknownKeyPrefixes(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public bool IsKnownUnknown(string prefix)
    {
        if (!_until.TryGetValue(prefix, out var until)) return false;
        if (clock.GetUtcNow() < until) return true;
        _until.TryRemove(prefix, out _);
        return false;
    }

    public void Remember(string prefix)
    {
        if (_until.Count >= MaxEntries) _until.Clear();
        _until[prefix] = clock.GetUtcNow() + Lifetime;
    }

    public void Forget(string prefix) => _until.TryRemove(prefix, out _);
}
