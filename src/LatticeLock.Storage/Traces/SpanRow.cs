namespace LatticeLock.Storage.Traces;

/// <summary>
/// One span as stored in <c>spans</c>: W3C ids as lowercase hex, times in Unix nanoseconds as the exporter sent them,
/// attributes and events as JSON object/array (UTF-8 bytes, as written to jsonb), and the resource it came from by its id (see <see cref="SpanResource"/>).
/// </summary>
public sealed record SpanRow(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    short Kind,
    long StartUnixNano,
    long EndUnixNano,
    short StatusCode,
    string? StatusMessage,
    string? ScopeName,
    byte[] AttributesJson,
    byte[] ResourceId,
    byte[] EventsJson,
    Guid? ModelRequestId)
{
    /// <summary>The start as a timestamp (microsecond precision), the partition key.</summary>
    public DateTimeOffset StartedAt => DateTimeOffset.UnixEpoch.AddTicks(StartUnixNano / 100);
}
