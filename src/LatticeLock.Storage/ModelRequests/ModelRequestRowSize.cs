namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// An estimate of the memory one queued model request holds: its strings (UTF-16, two bytes a character, the raw
/// request and response bodies usually dominating) plus a fixed allowance for the record, its fields and the queue
/// entry. Used to bound the log's queue in bytes, not rows.
/// </summary>
public static class ModelRequestRowSize
{
    public const int FixedBytes = 512;

    public static long Estimate(ModelRequestRow row)
    {
        var r = row.Request;
        long chars = Length(r.TraceId) + Length(r.ParentSpanId) + Length(r.SpanId) + Length(r.ModelId) + Length(r.ModelName)
            + Length(r.Provider) + Length(r.TaskType) + Length(r.Priority) + Length(r.ErrorCode) + Length(r.ErrorMessage)
            + Length(r.FunctionCallsJson) + Length(r.FunctionResultsJson) + Length(r.OriginalModelId) + Length(r.SelectionReason)
            + Length(r.RawRequestJson) + Length(r.RawResponseJson) + Length(r.MetadataJson);
        return FixedBytes + 2 * chars;
    }

    private static int Length(string? value) => value?.Length ?? 0;
}
