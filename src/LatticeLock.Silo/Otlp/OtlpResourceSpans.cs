using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// One <c>ResourceSpans</c> of an export as the span reader walks it: the resource, how many spans it holds, and its
/// scopes, whose spans are produced one at a time (decoded from the body on demand for protobuf, so an export's spans
/// are never all held as messages at once).
/// </summary>
public sealed record OtlpResourceSpans(Resource? Resource, int SpanCount, IEnumerable<OtlpScopeSpans> Scopes)
{
    /// <summary>The resources of an export already decoded as a message (the OTLP/JSON path).</summary>
    public static IEnumerable<OtlpResourceSpans> Of(ExportTraceServiceRequest request) =>
        request.ResourceSpans.Select(r => new OtlpResourceSpans(r.Resource, r.ScopeSpans.Sum(s => s.Spans.Count),
            r.ScopeSpans.Select(s => new OtlpScopeSpans(s.Scope?.Name, s.Spans))));
}

/// <summary>One <c>ScopeSpans</c>: the instrumentation scope's name and its spans, produced one at a time.</summary>
public sealed record OtlpScopeSpans(string? ScopeName, IEnumerable<Span> Spans);
