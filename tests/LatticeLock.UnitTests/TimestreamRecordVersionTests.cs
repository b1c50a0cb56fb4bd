using System.Text.Json;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Timestream;

namespace LatticeLock.UnitTests;

/// <summary>
/// A point's feed position is its Timestream record version, so a repriced point (sent again later in the feed, with
/// its corrected cost) replaces the stored record instead of being refused as a conflicting duplicate.
/// </summary>
public sealed class TimestreamRecordVersionTests
{
    private static MetricPoint Point(decimal cost, long version) =>
        new(Guid.Parse("6f1c2b7e-0000-4000-8000-000000000001"), DateTimeOffset.Parse("2026-12-01T10:00:00Z"), null, null, null,
            "openai", "gpt-4o", null, "success", 120, 1000, 500, cost) { Version = version };

    [Fact]
    public void A_corrected_point_is_written_with_a_higher_version_and_the_same_dimensions_and_time()
    {
        var (first, _) = TimestreamRecord.FromPoint(Point(0.0075m, 1001), "llm_request");
        var (corrected, _) = TimestreamRecord.FromPoint(Point(0.009m, 2002), "llm_request");
        Assert.Equal((1001L, 2002L), (first!.Version, corrected!.Version));
        Assert.Equal(first.Dimensions, corrected.Dimensions);
        Assert.Equal(first.TimeMilliseconds, corrected.TimeMilliseconds);

        using var body = JsonDocument.Parse(WriteRecordsRequestBody.Serialize("db", "t", "llm_request", [first, corrected]));
        var records = body.RootElement.GetProperty("Records");
        Assert.Equal([1001L, 2002L], records.EnumerateArray().Select(r => r.GetProperty("Version").GetInt64()));
    }

    [Fact]
    public void A_point_without_a_feed_position_is_written_without_a_version()
    {
        var (record, _) = TimestreamRecord.FromPoint(Point(0.0075m, 0), "llm_request");
        using var body = JsonDocument.Parse(WriteRecordsRequestBody.Serialize("db", "t", "llm_request", [record!]));
        Assert.False(body.RootElement.GetProperty("Records")[0].TryGetProperty("Version", out _));
    }
}
