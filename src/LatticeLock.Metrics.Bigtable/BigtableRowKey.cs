using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Row keys of metric points: <c>&lt;salt&gt;#&lt;provider&gt;#&lt;model_id&gt;#&lt;reversed time&gt;#&lt;request_id&gt;</c>, e.g.
/// <c>3f#openai#gpt-4o#8226573586410#5b0c...</c>.
/// <list type="bullet">
/// <item><b>Salt</b>: two hex digits of SHA-256(provider/model_id), 256 values. Bigtable splits a table into tablets by
/// key range; keys that start with the provider would put every model of a busy provider (and keys that start with
/// time would put every write) on one tablet. The salt spreads series over the key space, yet stays the same for a
/// series, so one series remains one contiguous range.</item>
/// <item><b>Series</b>: provider then model id (with <c>%</c> and <c>#</c> percent-escaped, so <c>#</c> only separates).</item>
/// <item><b>Reversed time</b>: 9999999999999 minus the Unix time in milliseconds, 13 digits: within a series the newest
/// point sorts first, so "the latest N" is a prefix scan and a time window is one key range.</item>
/// <item><b>Request id</b>: makes the key unique per point and a pure function of it, so a replay rewrites the same row.</item>
/// </list>
/// A single very hot model still writes to one key range; if that ever limits throughput, shard the series by a few
/// request-id-derived buckets (readers then scan one range per bucket).
/// </summary>
public static class BigtableRowKey
{
    /// <summary>The largest time the key can hold: 9999999999999 ms after the Unix epoch (year 2286).</summary>
    public const long MaxMilliseconds = 9_999_999_999_999;

    public static string Salt(string provider, string modelId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(provider + "/" + modelId), hash);
        return hash[0].ToString("x2", CultureInfo.InvariantCulture);
    }

    /// <summary>The prefix shared by all points of one provider and model.</summary>
    public static string SeriesPrefix(string provider, string modelId) =>
        $"{Salt(provider, modelId)}#{Escape(provider)}#{Escape(modelId)}#";

    public static string ReversedTime(DateTimeOffset time)
    {
        var ms = time.ToUnixTimeMilliseconds();
        if (ms is < 0 or > MaxMilliseconds) throw new ArgumentOutOfRangeException(nameof(time), time, "time must be between 1970 and the year 2286");
        return (MaxMilliseconds - ms).ToString("D13", CultureInfo.InvariantCulture);
    }

    public static string For(MetricPoint point) =>
        SeriesPrefix(point.Provider, point.ModelId) + ReversedTime(point.Time) + "#" + point.RequestId.ToString("D");

    /// <summary>
    /// The key range [start, end) holding the points of one series with <paramref name="from"/> ≤ time ≤ <paramref name="to"/>
    /// (reversed time: the later bound gives the start).
    /// </summary>
    public static (string StartClosed, string EndOpen) SeriesTimeRange(string provider, string modelId, DateTimeOffset from, DateTimeOffset to)
    {
        var prefix = SeriesPrefix(provider, modelId);
        return (prefix + ReversedTime(to), prefix + ReversedTime(from) + "$"); // '$' sorts after '#', so the 'from' millisecond is included
    }

    /// <summary>Percent-escapes <c>%</c> and <c>#</c>, so <c>#</c> never appears inside a key part.</summary>
    public static string Escape(string part) => part.Replace("%", "%25", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal);
}
