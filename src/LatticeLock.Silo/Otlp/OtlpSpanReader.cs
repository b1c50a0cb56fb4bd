using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Silo.Otlp.Proto;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// Flattens an export into the spans to store, each with what the LLM conventions read from it (the model call, the
/// conversation) and its resource (stored once, referenced by id), and the spans refused with the reason: bad ids,
/// times that cannot be right, and every limit of <see cref="OtlpOptions"/>. One bad span never refuses the others.
/// Spans are taken one at a time and kept only as rows (attributes as UTF-8 JSON), never as messages.
/// </summary>
public static class OtlpSpanReader
{
    /// <summary>A span to store, the model call it describes (if any) and the conversation it names (or its resource names).</summary>
    public sealed record ReadSpan(SpanRow Row, LlmCall? Call, string? Conversation);

    /// <summary>What was read: the spans to store, the resources they reference, how many spans were refused and why (reasons capped).</summary>
    public sealed class Result
    {
        public List<ReadSpan> Spans { get; } = [];
        public List<SpanResource> Resources { get; } = [];
        public List<string> Rejections { get; } = [];
        public int Rejected { get; private set; }

        public void Reject(int spans, string reason)
        {
            if (spans == 0) return;
            Rejected += spans;
            if (Rejections.Count < 20) Rejections.Add(reason);
        }
    }

    public static Result Read(IEnumerable<OtlpResourceSpans> export, OtlpOptions options)
    {
        var latest = (ulong)(DateTimeOffset.UtcNow.AddDays(1) - DateTimeOffset.UnixEpoch).Ticks * 100;
        var limits = new OtlpLimits(options);
        var result = new Result();
        var traces = new HashSet<string>();
        foreach (var resourceSpans in export)
        {
            var resourceCount = resourceSpans.SpanCount;
            if (limits.ResourceProblem(resourceSpans.Resource) is { } resourceProblem)
            {
                result.Reject(resourceCount, $"{resourceCount} spans refused: their {resourceProblem}");
                continue;
            }
            var resourceAttributes = resourceSpans.Resource?.Attributes ?? [];
            SpanResource? resource = null; // made (and its JSON written) only when one of its spans is kept
            var resourceConversation = LlmSpanConventions.ConversationOf(new OtlpAttributes(resourceAttributes));
            foreach (var scopeSpans in resourceSpans.Scopes)
            {
                var scope = scopeSpans.ScopeName is { Length: > 0 } name ? OtlpAttributes.Clean(name.Length > 1024 ? name[..1024] : name) : null;
                foreach (var span in scopeSpans.Spans)
                {
                    if (result.Spans.Count >= options.MaxSpansPerExport)
                    {
                        result.Reject(1, $"spans after the first {options.MaxSpansPerExport} of an export are refused (LatticeLock__Otlp__MaxSpansPerExport)");
                        continue;
                    }
                    var traceId = TraceIds.FromBytes(span.TraceId.Span, 16);
                    var spanId = TraceIds.FromBytes(span.SpanId.Span, 8);
                    var parentId = span.ParentSpanId.IsEmpty ? null : TraceIds.FromBytes(span.ParentSpanId.Span, 8);
                    if ((Problem(span, traceId, spanId, parentId, latest) ?? LimitProblem(limits, span, spanId)) is { } problem)
                    {
                        result.Reject(1, problem);
                        continue;
                    }
                    if (!traces.Contains(traceId!))
                    {
                        if (traces.Count >= options.MaxTracesPerExport)
                        {
                            result.Reject(1, $"spans of traces after the first {options.MaxTracesPerExport} of an export are refused (LatticeLock__Otlp__MaxTracesPerExport)");
                            continue;
                        }
                        traces.Add(traceId!);
                    }
                    if (resource is null)
                    {
                        resource = SpanResource.Of(OtlpAttributes.ToJson(resourceAttributes));
                        result.Resources.Add(resource);
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
                        resource.Id,
                        OtlpAttributes.EventsToJson(span.Events),
                        null);
                    var attributes = new OtlpAttributes(span.Attributes);
                    result.Spans.Add(new ReadSpan(row, LlmSpanConventions.Read(attributes), LlmSpanConventions.ConversationOf(attributes) ?? resourceConversation));
                }
            }
        }
        return result;
    }

    private static string? LimitProblem(OtlpLimits limits, Span span, string? spanId) =>
        limits.SpanProblem(span) is { } problem ? $"span {spanId}: {problem}" : null;

    /// <summary>Why the span cannot be stored, or null. 2000-01-01 in Unix nanoseconds is the earliest start taken.</summary>
    private static string? Problem(Span span, string? traceId, string? spanId, string? parentId, ulong latest)
    {
        const ulong Earliest = 946_684_800UL * 1_000_000_000UL;
        if (traceId is not null && spanId is not null && (span.ParentSpanId.IsEmpty || parentId is not null)
            && span.StartTimeUnixNano >= Earliest && span.StartTimeUnixNano <= latest
            && span.EndTimeUnixNano >= span.StartTimeUnixNano && span.EndTimeUnixNano <= long.MaxValue)
            return null;
        var where = spanId is not null ? $"span {spanId}" : $"span '{(span.Name.Length > 64 ? span.Name[..64] + "…" : span.Name)}'";
        if (traceId is null) return $"{where}: trace_id must be 16 bytes, not all zero";
        if (spanId is null) return $"{where}: span_id must be 8 bytes, not all zero";
        if (!span.ParentSpanId.IsEmpty && parentId is null) return $"{where}: parent_span_id must be empty or 8 bytes, not all zero";
        if (span.StartTimeUnixNano < Earliest || span.StartTimeUnixNano > latest) return $"{where}: start_time_unix_nano {span.StartTimeUnixNano} is not a time between 2000 and tomorrow";
        return $"{where}: end_time_unix_nano must not be before start_time_unix_nano";
    }
}
