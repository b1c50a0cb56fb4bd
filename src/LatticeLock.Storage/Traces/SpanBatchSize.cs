namespace LatticeLock.Storage.Traces;

/// <summary>The memory an export request holds while it waits for its commit, estimated for the span log's byte bounds.</summary>
public static class SpanBatchSize
{
    public const int FixedBytesPerSpan = 256;

    public static long Estimate(SpanBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long bytes = 128;
        foreach (var s in batch.Spans)
        {
            bytes += FixedBytesPerSpan + s.AttributesJson.Length + s.EventsJson.Length + s.ResourceId.Length
                + 2L * (s.TraceId.Length + s.SpanId.Length + (s.ParentSpanId?.Length ?? 0) + s.Name.Length
                        + (s.StatusMessage?.Length ?? 0) + (s.ScopeName?.Length ?? 0));
        }
        foreach (var r in batch.Resources) bytes += 64 + r.Id.Length + 2L * r.AttributesJson.Length;
        return bytes;
    }
}
