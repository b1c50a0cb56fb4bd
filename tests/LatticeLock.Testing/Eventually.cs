using System.Collections;

namespace LatticeLock.Testing;

/// <summary>Polls for something the system does in the background (a pump, a reminder, a webhook delivery).</summary>
public static class Eventually
{
    /// <summary>
    /// Reads <paramref name="probe"/> until <paramref name="done"/> holds and returns that value. When
    /// <paramref name="timeout"/> passes first, the wait fails: a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> and the last value seen, so no test can pass on a condition that never held.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what ?? "the awaited condition"} still did not hold after {timeout.TotalSeconds:0.#} s; last value seen: {Describe(value)}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until the SQL <paramref name="condition"/> (one boolean) is true and returns it; throws naming it when it never is.</summary>
    public static async Task<bool> TrueInDatabaseAsync(Db db, string condition, int seconds = 60) =>
        (await Until(() => db.RowsAsync(condition), r => r.Count == 1 && r[0][0] is true, TimeSpan.FromSeconds(seconds), what: condition))[0][0] is true;

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => s.Length > 500 ? s[..500] + "…" : s,
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Take(20).Select(i => i?.ToString())) + "]",
        _ => value.ToString() ?? "",
    };
}
