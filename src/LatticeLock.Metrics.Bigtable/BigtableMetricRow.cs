using System.Globalization;
using Google.Protobuf;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Bigtable.V2;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// The row of one metric point: key from <see cref="BigtableRowKey"/>, and one SetCell per value in the configured
/// family: <c>latency_ms</c>, <c>input_tokens</c>, <c>output_tokens</c>, <c>cost_usd</c>, <c>status</c>, <c>task_type</c>,
/// <c>project_id</c>, <c>user_id</c>, <c>session_id</c> (null values are left out). Values are UTF-8 text (decimal
/// numbers, canonical UUIDs), readable with <c>cbt read</c>. Every cell's timestamp is the point's time in milliseconds
/// × 1000, so the same point always yields the same row, cells and timestamps: a replay overwrites identically.
/// </summary>
public static class BigtableMetricRow
{
    /// <summary>The MutateRows entry for <paramref name="point"/>, or the reason it can never be written.</summary>
    public static (MutateRowsRequest.Types.Entry? Entry, string? Rejection) FromPoint(MetricPoint point, string family)
    {
        if (string.IsNullOrWhiteSpace(point.Provider)) return (null, "provider is empty (it is part of the row key)");
        if (string.IsNullOrWhiteSpace(point.ModelId)) return (null, "model_id is empty (it is part of the row key)");
        var ms = point.Time.ToUnixTimeMilliseconds();
        if (ms is < 0 or > BigtableRowKey.MaxMilliseconds) return (null, $"time {point.Time:O} is outside 1970..2286, which the row key cannot hold");

        var timestampMicros = ms * 1000;
        var entry = new MutateRowsRequest.Types.Entry { RowKey = ByteString.CopyFromUtf8(BigtableRowKey.For(point)) };
        void Set(string qualifier, string value) => entry.Mutations.Add(new Mutation
        {
            SetCell = new Mutation.Types.SetCell
            {
                FamilyName = family,
                ColumnQualifier = ByteString.CopyFromUtf8(qualifier),
                TimestampMicros = timestampMicros,
                Value = ByteString.CopyFromUtf8(value),
            },
        });

        if (point.LatencyMs is { } latency) Set("latency_ms", latency.ToString(CultureInfo.InvariantCulture));
        Set("input_tokens", point.InputTokens.ToString(CultureInfo.InvariantCulture));
        Set("output_tokens", point.OutputTokens.ToString(CultureInfo.InvariantCulture));
        if (point.CostUsd is { } cost) Set("cost_usd", cost.ToString(CultureInfo.InvariantCulture));
        Set("status", point.Status);
        if (!string.IsNullOrEmpty(point.TaskType)) Set("task_type", point.TaskType);
        if (point.ProjectId is { } project) Set("project_id", project.ToString("D"));
        if (point.UserId is { } user) Set("user_id", user.ToString("D"));
        if (point.SessionId is { } session) Set("session_id", session.ToString("D"));
        return (entry, null);
    }
}
