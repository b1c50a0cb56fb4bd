using System.Text.Json;

namespace LatticeLock.Metrics.Timestream;

/// <summary>One entry of a <c>RejectedRecordsException</c>: which record of the call (by index) was refused, and why.</summary>
public sealed record TimestreamRejectedRecord(int RecordIndex, string Reason, long? ExistingVersion)
{
    /// <summary>Reads <c>RejectedRecords[{RecordIndex, Reason, ExistingVersion}]</c> from an error body; empty when absent.</summary>
    public static IReadOnlyList<TimestreamRejectedRecord> ParseAll(JsonElement errorBody)
    {
        if (errorBody.ValueKind != JsonValueKind.Object || !errorBody.TryGetProperty("RejectedRecords", out var list) || list.ValueKind != JsonValueKind.Array)
            return [];
        var records = new List<TimestreamRejectedRecord>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            if (!item.TryGetProperty("RecordIndex", out var index) || !index.TryGetInt32(out var recordIndex)) continue;
            var reason = item.TryGetProperty("Reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "rejected (no reason given)";
            long? existingVersion = item.TryGetProperty("ExistingVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
            records.Add(new TimestreamRejectedRecord(recordIndex, reason, existingVersion));
        }
        return records;
    }

    /// <summary>The reason as reported to the caller of the sink.</summary>
    public string Describe() => ExistingVersion is { } version ? $"{Reason} (existing version {version})" : Reason;
}
