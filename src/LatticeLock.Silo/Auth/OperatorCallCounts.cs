using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Auth;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// The grain calls made by operators' typed clients (clients holding an <c>admin</c> key), counted per key and grain
/// method: a data-plane client makes thousands of calls a second, so each call costs a counter here, and
/// <see cref="OperatorCallFlusher"/> turns the counts into one <c>operator.calls</c> row per key and method every
/// <see cref="OperatorCallFlusher.Interval"/> in the platform's audit chain. At most <see cref="MaxEntries"/> distinct
/// (key, method) pairs are held between flushes; calls past that are counted under the method <c>(other)</c>.
/// </summary>
public sealed class OperatorCallCounts
{
    public const int MaxEntries = 10_000;
    public const string Other = "(other)";

    private ConcurrentDictionary<(Guid KeyId, Guid UserId, string Method), long> _counts = new();

    public void Add(ApiKeyPrincipal caller, string method)
    {
        var counts = _counts;
        var key = (caller.KeyId, caller.UserId, counts.Count >= MaxEntries && !counts.ContainsKey((caller.KeyId, caller.UserId, method)) ? Other : method);
        counts.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }

    /// <summary>The counts since the last drain; counting goes on in a fresh table.</summary>
    public IReadOnlyDictionary<(Guid KeyId, Guid UserId, string Method), long> Drain() =>
        Interlocked.Exchange(ref _counts, new ConcurrentDictionary<(Guid KeyId, Guid UserId, string Method), long>());
}
