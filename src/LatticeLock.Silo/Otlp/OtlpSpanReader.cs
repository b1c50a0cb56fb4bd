using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Silo.Otlp.Proto;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// Flattens an export request into the spans to store, each with its attributes for the LLM conventions, and the
/// spans refused with the reason (bad ids, times that cannot be right). One bad span never refuses the others.
/// </summary>
public static class OtlpSpanReader
{
    public sealed record ReadSpan(SpanRow Row, OtlpAttributes Attributes, OtlpAttributes ResourceAttributes);

    public static (List<ReadSpan> Spans, List<string> Rejections) Read(ExportTraceServiceRequest request)
    {
        var spans = new List<ReadSpan>();
        var rejections = new List<string>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resourceAttributes = resourceSpans.Resource?.Attributes ?? [];
            var resourceJson = OtlpAttributes.ToJson(resourceAttributes);
            var resource = new OtlpAttributes(resourceAttributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = scopeSpans.Scope?.Name is { Length: > 0 } name ? OtlpAttributes.Clean(name) : null;
                foreach (var span in scopeSpans.Spans)
                {
                    if (Problem(span) is { } problem)
                    {
                        rejections.Add(problem);
                        continue;
                    }
                    var row = new SpanRow(
                        TraceIds.FromBytes(span.TraceId.Span, 16)!,
                        TraceIds.FromBytes(span.SpanId.Span, 8)!,
                        span.ParentSpanId.IsEmpty ? null : TraceIds.FromBytes(span.ParentSpanId.Span, 8),
                        OtlpAttributes.Clean(span.Name),
                        (short)span.Kind,
                        (long)span.StartTimeUnixNano,
                        (long)span.EndTimeUnixNano,
                        (short)(span.Status?.Code ?? Status.Types.StatusCode.Unset),
                        string.IsNullOrEmpty(span.Status?.Message) ? null : OtlpAttributes.Clean(span.Status.Message),
                        scope,
                        OtlpAttributes.ToJson(span.Attributes),
                        resourceJson,
                        OtlpAttributes.EventsToJson(span.Events),
                        null);
                    spans.Add(new ReadSpan(row, new OtlpAttributes(span.Attributes), resource));
                }
            }
        }
        return (spans, rejections);
    }

    private static string? Problem(Span span)
    {
        var where = span.SpanId.Length == 8 ? $"span {Convert.ToHexStringLower(span.SpanId.Span)}" : $"span '{span.Name}'";
        if (TraceIds.FromBytes(span.TraceId.Span, 16) is null) return $"{where}: trace_id must be 16 bytes, not all zero";
        if (TraceIds.FromBytes(span.SpanId.Span, 8) is null) return $"{where}: span_id must be 8 bytes, not all zero";
        if (!span.ParentSpanId.IsEmpty && TraceIds.FromBytes(span.ParentSpanId.Span, 8) is null) return $"{where}: parent_span_id must be empty or 8 bytes, not all zero";
        if (span.StartTimeUnixNano == 0 || span.StartTimeUnixNano > long.MaxValue) return $"{where}: start_time_unix_nano must be set (nanoseconds since 1970)";
        if (span.EndTimeUnixNano < span.StartTimeUnixNano || span.EndTimeUnixNano > long.MaxValue) return $"{where}: end_time_unix_nano must not be before start_time_unix_nano";
        var start = DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100));
        if (start.Year < 2000 || start > DateTimeOffset.UtcNow.AddDays(1)) return $"{where}: start_time_unix_nano {span.StartTimeUnixNano} is not a time between 2000 and tomorrow";
        return null;
    }
}
