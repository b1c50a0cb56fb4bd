namespace LatticeLock.Testing;

/// <summary>Polls for something the system does in the background (a pump, a reminder, a webhook delivery).</summary>
public static class Eventually
{
    /// <summary>
    /// Reads <paramref name="probe"/> until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and
    /// returns the last value either way, so the test's own assertions report what was seen.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until the SQL <paramref name="condition"/> (one boolean) is true; throws naming it when it never is.</summary>
    public static async Task TrueInDatabaseAsync(Db db, string condition, int seconds = 60)
    {
        var rows = await Until(() => db.RowsAsync(condition), r => r.Count == 1 && r[0][0] is true, TimeSpan.FromSeconds(seconds));
        if (rows.Count != 1 || rows[0][0] is not true) throw new TimeoutException($"still false after {seconds} s: {condition}");
    }
}
