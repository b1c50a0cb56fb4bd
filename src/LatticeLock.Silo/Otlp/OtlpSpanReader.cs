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
        var latest = (ulong)(DateTimeOffset.UtcNow.AddDays(1) - DateTimeOffset.UnixEpoch).Ticks * 100;
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
                    var traceId = TraceIds.FromBytes(span.TraceId.Span, 16);
                    var spanId = TraceIds.FromBytes(span.SpanId.Span, 8);
                    var parentId = span.ParentSpanId.IsEmpty ? null : TraceIds.FromBytes(span.ParentSpanId.Span, 8);
                    if (Problem(span, traceId, spanId, parentId, latest) is { } problem)
                    {
                        rejections.Add(problem);
                        continue;
                    }
                    var row = new SpanRow(
                        traceId!,
                        spanId!,
                        parentId,
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

    /// <summary>Why the span cannot be stored, or null. 2000-01-01 in Unix nanoseconds is the earliest start taken.</summary>
    private static string? Problem(Span span, string? traceId, string? spanId, string? parentId, ulong latest)
    {
        const ulong Earliest = 946_684_800UL * 1_000_000_000UL;
        if (traceId is not null && spanId is not null && (span.ParentSpanId.IsEmpty || parentId is not null)
            && span.StartTimeUnixNano >= Earliest && span.StartTimeUnixNano <= latest
            && span.EndTimeUnixNano >= span.StartTimeUnixNano && span.EndTimeUnixNano <= long.MaxValue)
            return null;
        var where = spanId is not null ? $"span {spanId}" : $"span '{span.Name}'";
        if (traceId is null) return $"{where}: trace_id must be 16 bytes, not all zero";
        if (spanId is null) return $"{where}: span_id must be 8 bytes, not all zero";
        if (!span.ParentSpanId.IsEmpty && parentId is null) return $"{where}: parent_span_id must be empty or 8 bytes, not all zero";
        if (span.StartTimeUnixNano < Earliest || span.StartTimeUnixNano > latest) return $"{where}: start_time_unix_nano {span.StartTimeUnixNano} is not a time between 2000 and tomorrow";
        return $"{where}: end_time_unix_nano must not be before start_time_unix_nano";
    }
}
