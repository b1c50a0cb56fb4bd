namespace LatticeLock.Testing.Faults;

/// <summary>What a <see cref="WriterLoad"/> saw: every acknowledgement, every answer's status, and how long each call waited.</summary>
public sealed record WriterLoadResult(
    IReadOnlyList<AcknowledgedRequest> Requests,
    IReadOnlyList<AcknowledgedTurn> Turns,
    IReadOnlyList<Delivery> Deliveries,
    IReadOnlyDictionary<int, int> Statuses,
    IReadOnlyList<string> Surprises,
    int ConnectionFailures)
{
    /// <summary>Calls acknowledged at or after <paramref name="at"/>, by the seconds each waited from its first attempt.</summary>
    public IReadOnlyList<Delivery> AcknowledgedAfter(double at) => [.. Deliveries.Where(d => d.Acknowledged >= at).OrderBy(d => d.Seconds)];

    /// <summary>The longest any call waited for its acknowledgement among those acknowledged after <paramref name="at"/> (the stall a fault caused).</summary>
    public double LongestWaitAfter(double at) => AcknowledgedAfter(at) is { Count: > 0 } after ? after[^1].Seconds : double.NaN;

    /// <summary>The <paramref name="percentile"/> (0–100) of call waits acknowledged after <paramref name="at"/>.</summary>
    public double WaitPercentileAfter(double at, double percentile)
    {
        var after = AcknowledgedAfter(at);
        if (after.Count == 0) return double.NaN;
        var index = (int)Math.Ceiling(percentile / 100 * after.Count) - 1;
        return after[Math.Clamp(index, 0, after.Count - 1)].Seconds;
    }

    /// <summary>Writers with at least one acknowledgement after <paramref name="at"/>.</summary>
    public int WritersAcknowledgedAfter(double at) => Deliveries.Where(d => d.Started >= at).Select(d => d.Writer).Distinct().Count();

    /// <summary>Answers by status, e.g. "200: 5012, 201: 4987, 503: 12".</summary>
    public string StatusLine => string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));

    /// <summary>Share of answers that were not 2xx (refusals clients retried), in percent.</summary>
    public double RefusedPercent
    {
        get
        {
            var all = Statuses.Values.Sum();
            return all == 0 ? 0 : 100.0 * Statuses.Where(s => s.Key is < 200 or > 299).Sum(s => s.Value) / all;
        }
    }
}
