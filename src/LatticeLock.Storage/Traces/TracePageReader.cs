using System.Globalization;
using System.Text;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Traces;
using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Pages of a stored trace in tree order: the layout (order, depth, subtree totals) is computed iteratively from the
/// spans' ids and times, then only the page's spans are read in full. A page holds at most
/// <see cref="TraceReadOptions.MaxSpansPerPage"/> spans; the cursor is the position in tree order and the token of
/// the layout it came from (<see cref="TraceLayoutCache"/>), so the next pages reuse it while it is kept. The HTTP
/// gateway (through the trace reader grain) and <c>lattice traces show</c> read through this one class.
/// </summary>
public sealed class TracePageReader(TraceQueries queries, TraceLayoutCache layouts, IOptions<TraceReadOptions> options)
{
    private readonly SemaphoreSlim _layouts = new(options.Value.MaxConcurrentLayouts);

    public async Task<TracePage?> ReadAsync(Guid ownerId, string traceId, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxSpansPerPage;
        var size = limit ?? max;
        if (size < 1 || size > max) throw new InvalidFieldException("limit", $"must be between 1 and {max} ({TraceReadOptions.Section}:MaxSpansPerPage)");
        var (offset, token) = cursor is null ? (0, Guid.Empty) : Position(cursor);

        var (sessionId, found) = await queries.FindAsync(ownerId, traceId, cancellationToken);
        if (!found) return null;
        var layout = token == Guid.Empty ? null : layouts.Find(token, ownerId, traceId);
        if (layout is null)
        {
            layout = await LayOutAsync(ownerId, traceId, cancellationToken);
            token = layouts.Add(ownerId, traceId, layout);
        }
        if (offset > layout.Count) throw new InvalidFieldException("cursor", $"points past the end of the trace ({layout.Count} spans)");
        var page = layout.Order.AsSpan(offset, Math.Min(size, layout.Count - offset)).ToArray();
        var details = await queries.SpansAsync(ownerId, traceId, page.Select(s => TraceLayout.Hex(layout.SpanId(s))).ToArray(),
            page.Select(layout.Start).ToArray(), cancellationToken);
        var spans = new List<TraceSpan>(page.Length);
        foreach (var s in page)
        {
            // A span deleted between the two reads (none are today) is left out rather than invented.
            if (!details.TryGetValue((TraceLayout.Hex(layout.SpanId(s)), layout.Start(s)), out var span)) continue;
            var request = span.ModelRequest is { } m
                ? new TraceModelRequest(m.Id, m.SessionId, m.ModelId, m.Provider, m.InputTokens, m.OutputTokens,
                    m.InputCostUsd is null && m.OutputCostUsd is null ? null : (m.InputCostUsd ?? 0m) + (m.OutputCostUsd ?? 0m))
                : null;
            spans.Add(new TraceSpan(span.SpanId, layout.TreeParentId(s), layout.Depth(s), span.Name, KindName(span.Kind),
                span.StartUnixNano, span.EndUnixNano, Milliseconds(span.EndUnixNano - span.StartUnixNano), Milliseconds(layout.SelfNanos(s)),
                span.StatusCode switch { 1 => "ok", 2 => "error", _ => "unset" }, span.StatusMessage, request, layout.ChildCount(s),
                layout.SubtreeRequests(s), layout.SubtreeInputTokens(s), layout.SubtreeOutputTokens(s), layout.SubtreeCostUsd(s)));
        }
        var next = offset + page.Length;
        return new TracePage(traceId, ownerId, sessionId, layout.Count, Milliseconds(layout.EndUnixNano - layout.StartUnixNano),
            layout.TotalRequests, layout.TotalInputTokens, layout.TotalOutputTokens, layout.TotalCostUsd, spans,
            next < layout.Count ? Cursor(next, token) : null);
    }

    /// <summary>The trace's layout, computed under the silo's limit of concurrent layouts (503 past its queue timeout).</summary>
    private async Task<TraceLayout> LayOutAsync(Guid ownerId, string traceId, CancellationToken cancellationToken)
    {
        if (!await _layouts.WaitAsync(options.Value.QueueTimeout, cancellationToken))
            throw new OverloadedException($"{options.Value.MaxConcurrentLayouts} trace layouts are being computed on this silo, its limit " +
                $"({TraceReadOptions.Section}:MaxConcurrentLayouts); retry after the delay in Retry-After");
        try
        {
            return new TraceLayout(await queries.SkeletonAsync(ownerId, traceId, cancellationToken));
        }
        finally
        {
            _layouts.Release();
        }
    }

    /// <summary>"span:OFFSET" or "span:OFFSET:TOKEN" (the kept layout), base64url.</summary>
    private static string Cursor(int offset, Guid token)
    {
        var text = $"span:{offset.ToString(CultureInfo.InvariantCulture)}" + (token == Guid.Empty ? "" : $":{token:N}");
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (int Offset, Guid Token) Position(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(padded)).Split(':');
            if (parts is ["span", var at, ..] && parts.Length <= 3
                && int.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                if (parts.Length == 2) return (offset, Guid.Empty);
                if (Guid.TryParseExact(parts[2], "N", out var token)) return (offset, token);
            }
        }
        catch (FormatException)
        {
            // falls through to the 400 below
        }
        throw new InvalidFieldException("cursor", "is not a cursor this API returned (pass next_cursor from the previous page as is)");
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
