using LatticeLock.Grains.Abstractions.Traces;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Turns a trace's stored spans into a tree: children under their parent (a span whose parent never arrived is a root),
/// siblings in start order, self time = duration minus the union of the children's intervals (clipped to the span),
/// and the model requests, tokens and cost of every subtree.
/// </summary>
public static class TraceTreeBuilder
{
    public static TraceTree Build(string traceId, Guid userId, Guid? sessionId, IReadOnlyList<StoredSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .GroupBy(s => s.ParentSpanId!).ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartUnixNano).ToList());
        var roots = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartUnixNano)
            .Select(s => Node(s, children, [])).ToList();
        var start = spans.Count == 0 ? 0 : spans.Min(s => s.StartUnixNano);
        var end = spans.Count == 0 ? 0 : spans.Max(s => s.EndUnixNano);
        return new TraceTree(traceId, userId, sessionId, spans.Count, Milliseconds(end - start),
            roots.Sum(r => r.SubtreeModelRequests), roots.Sum(r => r.SubtreeInputTokens), roots.Sum(r => r.SubtreeOutputTokens),
            roots.Sum(r => r.SubtreeCostUsd), roots);
    }

    private static TraceSpanNode Node(StoredSpan span, Dictionary<string, List<StoredSpan>> children, HashSet<string> path)
    {
        // A cycle (a span that is its own ancestor, from a broken exporter) stops here instead of recursing forever.
        var entered = path.Add(span.SpanId);
        var kids = entered && children.TryGetValue(span.SpanId, out var list)
            ? list.Select(c => Node(c, children, path)).ToList()
            : [];
        if (entered) path.Remove(span.SpanId);
        var request = span.ModelRequest is { } m
            ? new TraceModelRequest(m.Id, m.SessionId, m.ModelId, m.Provider, m.InputTokens, m.OutputTokens,
                m.InputCostUsd is null && m.OutputCostUsd is null ? null : (m.InputCostUsd ?? 0m) + (m.OutputCostUsd ?? 0m))
            : null;
        return new TraceSpanNode(span.SpanId, span.ParentSpanId, span.Name, KindName(span.Kind), span.StartUnixNano, span.EndUnixNano,
            Milliseconds(span.EndUnixNano - span.StartUnixNano), Milliseconds(SelfNanos(span, kids)),
            span.StatusCode switch { 1 => "ok", 2 => "error", _ => "unset" }, span.StatusMessage, request,
            (request is null ? 0 : 1) + kids.Sum(k => k.SubtreeModelRequests),
            (request?.InputTokens ?? 0) + kids.Sum(k => k.SubtreeInputTokens),
            (request?.OutputTokens ?? 0) + kids.Sum(k => k.SubtreeOutputTokens),
            (request?.CostUsd ?? 0m) + kids.Sum(k => k.SubtreeCostUsd),
            kids);
    }

    /// <summary>The span's duration minus the time at least one child ran within it.</summary>
    private static long SelfNanos(StoredSpan span, List<TraceSpanNode> kids)
    {
        long covered = 0, cursor = span.StartUnixNano;
        foreach (var (from, to) in kids.Select(k => (Math.Max(k.StartUnixNano, span.StartUnixNano), Math.Min(k.EndUnixNano, span.EndUnixNano)))
                     .Where(i => i.Item2 > i.Item1).OrderBy(i => i.Item1))
        {
            var start = Math.Max(from, cursor);
            if (to > start) covered += to - start;
            cursor = Math.Max(cursor, to);
        }
        return span.EndUnixNano - span.StartUnixNano - covered;
    }

    private static double Milliseconds(long nanos) => Math.Round(nanos / 1_000_000.0, 3);

    public static string KindName(short kind) => kind switch
    {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "unspecified",
    };
}
