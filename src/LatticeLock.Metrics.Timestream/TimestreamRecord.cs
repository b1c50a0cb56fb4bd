using System.Globalization;
using System.Text;
using LatticeLock.Metrics.Abstractions;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// One multi-measure Timestream record for one <see cref="MetricPoint"/>. Dimensions: provider, model_id, task_type
/// and project_id (when set), status, request_id. Measures: latency_ms, input_tokens, output_tokens, cost_usd (when
/// set) and success (1/0). Time is the point's time in milliseconds. The request_id dimension makes every point its own
/// series entry, and the record is a pure function of the point, so re-sending a point writes the identical record,
/// which Timestream accepts without storing it twice.
/// </summary>
public sealed record TimestreamRecord(IReadOnlyList<TimestreamRecord.Dimension> Dimensions, IReadOnlyList<TimestreamRecord.Measure> Measures, long TimeMilliseconds)
{
    /// <summary>The record's version (Timestream keeps the highest; none: 1).</summary>
    public long? Version { get; init; }

    /// <summary>Timestream's limit on the size of one record.</summary>
    public const int MaxSizeBytes = 2048;

    public sealed record Dimension(string Name, string Value);

    /// <summary>A measure of a MULTI record; <see cref="Type"/> is a Timestream type (BIGINT, DOUBLE).</summary>
    public sealed record Measure(string Name, string Value, string Type);

    /// <summary>The record for <paramref name="point"/>, or the reason it can never be written.</summary>
    public static (TimestreamRecord? Record, string? Rejection) FromPoint(MetricPoint point, string measureName)
    {
        if (point.Time < DateTimeOffset.UnixEpoch) return (null, $"time {point.Time:O} is before 1970 (Timestream record times are Unix epoch times)");
        if (string.IsNullOrWhiteSpace(point.Provider)) return (null, "provider is empty (a Timestream dimension value must not be empty)");
        if (string.IsNullOrWhiteSpace(point.ModelId)) return (null, "model_id is empty (a Timestream dimension value must not be empty)");
        if (string.IsNullOrWhiteSpace(point.Status)) return (null, "status is empty (a Timestream dimension value must not be empty)");

        var dimensions = new List<Dimension>(6)
        {
            new("provider", point.Provider),
            new("model_id", point.ModelId),
        };
        if (!string.IsNullOrWhiteSpace(point.TaskType)) dimensions.Add(new("task_type", point.TaskType));
        if (point.ProjectId is { } project) dimensions.Add(new("project_id", project.ToString("D")));
        dimensions.Add(new("status", point.Status));
        dimensions.Add(new("request_id", point.RequestId.ToString("D")));

        var measures = new List<Measure>(5);
        if (point.LatencyMs is { } latency) measures.Add(new("latency_ms", latency.ToString(CultureInfo.InvariantCulture), "BIGINT"));
        measures.Add(new("input_tokens", point.InputTokens.ToString(CultureInfo.InvariantCulture), "BIGINT"));
        measures.Add(new("output_tokens", point.OutputTokens.ToString(CultureInfo.InvariantCulture), "BIGINT"));
        if (point.CostUsd is { } cost) measures.Add(new("cost_usd", cost.ToString(CultureInfo.InvariantCulture), "DOUBLE"));
        measures.Add(new("success", point.IsSuccess ? "1" : "0", "BIGINT"));

        // The point's feed position as the record's version: a repriced point comes again with a larger one and
        // replaces the stored record (Timestream refuses a changed value at an equal or lower version).
        var record = new TimestreamRecord(dimensions, measures, point.Time.ToUnixTimeMilliseconds()) { Version = point.Version > 0 ? point.Version : null };
        var size = record.SizeBytes(measureName);
        return size > MaxSizeBytes ? (null, $"the record is {size} bytes, over Timestream's limit of {MaxSizeBytes} bytes") : (record, null);
    }

    /// <summary>
    /// Size as Timestream counts it (names and values of dimensions and measures, the measure name and 8 bytes of
    /// time), in UTF-8 bytes.
    /// </summary>
    public int SizeBytes(string measureName)
    {
        var size = Encoding.UTF8.GetByteCount(measureName) + 8;
        foreach (var d in Dimensions) size += Encoding.UTF8.GetByteCount(d.Name) + Encoding.UTF8.GetByteCount(d.Value);
        foreach (var m in Measures) size += Encoding.UTF8.GetByteCount(m.Name) + Encoding.UTF8.GetByteCount(m.Value);
        return size;
    }
}
