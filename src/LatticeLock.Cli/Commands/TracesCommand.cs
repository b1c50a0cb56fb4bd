using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Storage.Traces;
using LatticeLock.Storage.Workspaces;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice traces list --session ID</c>: a table of the session's traces; <c>lattice traces show TRACE_ID</c>: the
/// span tree with duration, self time, model, tokens and cost per node (cost of the whole subtree in brackets).
/// </summary>
public static class TracesCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var traces = new Command("traces", "Inspect traces received over OTLP");

        var session = new Option<Guid>("--session") { Description = "The session whose traces to list", Required = true };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (1-1000)", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "A table of a session's traces") { session, limit };
        list.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 1000) throw new CliException("--limit must be between 1 and 1000");
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var rows = await new TraceQueries(dataSource).ForSessionAsync(parse.GetValue(session), count, ct);
            var table = new Table().Title($"Traces of session {parse.GetValue(session)}")
                .AddColumns("Trace", "Root span", "Started (UTC)", "Duration (ms)", "Spans", "Requests", "Tokens in/out", "Cost (USD)");
            foreach (var r in rows)
            {
                table.AddRow(r.TraceId, Markup.Escape(r.RootName), DateTimeOffset.UnixEpoch.AddTicks(r.StartUnixNano / 100).ToString("yyyy-MM-dd HH:mm:ss.fff", C),
                    ((r.EndUnixNano - r.StartUnixNano) / 1_000_000.0).ToString("0.###", C), r.Spans.ToString(C), r.ModelRequests.ToString(C),
                    $"{r.InputTokens.ToString(C)}/{r.OutputTokens.ToString(C)}", r.CostUsd.ToString(C));
            }
            AnsiConsole.Write(table);
            if (rows.Count == 0) AnsiConsole.MarkupLine("[grey]no traces for this session[/]");
        }));
        traces.Subcommands.Add(list);

        var traceId = new Argument<string>("trace-id") { Description = "The W3C trace id (32 hex digits)" };
        var user = new Option<Guid?>("--user") { Description = "The trace's owner (needed when several users have a trace with this id)" };
        var show = new Command("show", "The span tree of a trace with durations, tokens and cost per node, read page by page") { traceId, user };
        show.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var id = parse.GetValue(traceId)!;
            if (!TraceIds.IsValid(id, 32)) throw new CliException($"'{id}' is not a W3C trace id: 32 hexadecimal digits, not all zero");
            id = id.ToLowerInvariant();
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var queries = new TraceQueries(dataSource);
            var owner = parse.GetValue(user) ?? await OnlyOwnerAsync(queries, id, ct);
            var readOptions = Options.Create(new TraceReadOptions());
            var pages = new TracePageReader(queries, new TraceLayoutCache(readOptions, TimeProvider.System), readOptions);
            string? cursor = null;
            var first = true;
            do
            {
                var page = await pages.ReadAsync(owner, id, cursor, null, ct) ?? throw new CliException($"user {owner} has no span of trace {id} stored");
                if (first)
                {
                    AnsiConsole.MarkupLine($"trace {id}  [grey]user {page.UserId} · {page.SpanCount} spans · {page.DurationMs.ToString("0.###", C)} ms · " +
                        $"{page.ModelRequests} model requests · {page.InputTokens.ToString(C)}/{page.OutputTokens.ToString(C)} tokens · ${page.CostUsd.ToString(C)}[/]");
                    if (page.SessionId is { } sessionId) AnsiConsole.MarkupLine($"[grey]session {sessionId}[/]");
                    first = false;
                }
                foreach (var span in page.Spans) AnsiConsole.MarkupLine(Indent(span.Depth) + Label(span));
                cursor = page.NextCursor;
            } while (cursor is not null);
        }));
        traces.Subcommands.Add(show);
        return traces;
    }

    private static async Task<Guid> OnlyOwnerAsync(TraceQueries queries, string traceId, CancellationToken cancellationToken)
    {
        var owners = (await queries.OwnersAsync(traceId, WorkspaceReadScope.Operator, cancellationToken)).Select(o => o.UserId).ToList();
        return owners.Count switch
        {
            0 => throw new CliException($"no span of trace {traceId} is stored"),
            1 => owners[0],
            _ => throw new CliException($"{owners.Count} users have a trace {traceId}: name one with --user ({string.Join(", ", owners)})"),
        };
    }

    /// <summary>Two spaces a level up to 32 levels; deeper spans show their depth instead of a line wider than the terminal.</summary>
    private static string Indent(int depth) =>
        depth <= 32 ? new string(' ', depth * 2) + (depth == 0 ? "" : "└ ") : new string(' ', 64) + $"[grey]({depth.ToString(C)})[/] └ ";

    private static string Label(TraceSpan s)
    {
        var label = $"[bold]{Markup.Escape(s.Name)}[/] [grey]{s.Kind}[/] {s.DurationMs.ToString("0.###", C)} ms (self {s.SelfTimeMs.ToString("0.###", C)} ms)";
        if (s.Status == "error") label += $" [red]error{(s.StatusMessage is null ? "" : ": " + Markup.Escape(s.StatusMessage))}[/]";
        if (s.ModelRequest is { } m)
            label += $"  [blue]{Markup.Escape(m.Provider)}/{Markup.Escape(m.ModelId)}[/] {m.InputTokens.ToString(C)}/{m.OutputTokens.ToString(C)} tokens " +
                     (m.CostUsd is { } cost ? $"${cost.ToString(C)}" : "[yellow]unpriced[/]");
        if (s.ChildCount > 0 && s.SubtreeModelRequests > 0) label += $"  [grey][[subtree ${s.SubtreeCostUsd.ToString(C)}]][/]";
        return label;
    }
}
