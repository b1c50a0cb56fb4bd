using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Prices;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice requests tail [-n N] [--session ID] | show ID</c>: the latest model requests; one with its cost breakdown.</summary>
public static class RequestsCommand
{
    public static Command Create()
    {
        var requests = new Command("requests", "Inspect recorded model requests");
        var count = new Option<int>("-n", "--count") { Description = "How many (1-1000)", DefaultValueFactory = _ => 20 };
        var session = new Option<Guid?>("--session") { Description = "Only this session's requests" };
        var tail = new Command("tail", "The latest model requests, newest first") { count, session };
        tail.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var n = parse.GetValue(count);
            if (n is < 1 or > 1000) throw new CliException("-n must be between 1 and 1000");
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var c = CultureInfo.InvariantCulture;
            var table = new Table().AddColumns("Requested at", "Id", "Session", "Model", "Provider", "Status", "Tokens in/out", "Cost (USD)", "Latency ms");
            foreach (var row in await new ModelRequestQueries(dataSource).LatestAsync(n, parse.GetValue(session), ct))
            {
                var r = row.Request;
                table.AddRow(r.RequestedAt.ToString("u", c), r.Id.ToString(), row.SessionId.ToString(), Markup.Escape(r.ModelId), Markup.Escape(r.Provider),
                    r.Status.ToString().ToLowerInvariant(), $"{r.InputTokens}/{r.OutputTokens}", r.TotalCostUsd.ToString(c), r.LatencyMs?.ToString(c) ?? "");
            }
            AnsiConsole.Write(table);
        }));
        requests.Subcommands.Add(tail);

        var id = new Argument<Guid>("id") { Description = "The model request's id" };
        var show = new Command("show", "One model request: its token classes, tier and costs, and for costs from the price table the arithmetic (as GET /v1/model-requests/{id})") { id };
        show.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var row = await new ModelRequestQueries(dataSource).FindAsync(parse.GetValue(id), ct)
                ?? throw new CliException($"no model request {parse.GetValue(id)}");
            var r = row.Request;
            var c = CultureInfo.InvariantCulture;
            var facts = new Grid().AddColumn().AddColumn();
            facts.AddRow("Id", r.Id.ToString());
            facts.AddRow("Session / user", $"{row.SessionId} / {row.UserId}");
            facts.AddRow("Model", $"{Markup.Escape(r.Provider)}/{Markup.Escape(r.ModelId)}");
            facts.AddRow("Requested at", r.RequestedAt.ToString("u", c));
            facts.AddRow("Input tokens", $"{r.InputTokens:N0} (cache reads {r.CachedInputTokens?.ToString("N0", c) ?? "-"}, cache writes {r.CacheWriteInputTokens?.ToString("N0", c) ?? "-"})");
            facts.AddRow("Output tokens", $"{r.OutputTokens:N0} (reasoning {r.ReasoningOutputTokens?.ToString("N0", c) ?? "-"})");
            facts.AddRow("Service tier", (r.ServiceTier ?? ServiceTier.Standard).ToString().ToLowerInvariant());
            facts.AddRow("Cost (USD)", $"{(r.CostSource == CostSource.Unpriced ? "unpriced" : r.TotalCostUsd.ToString(c))} ({r.CostSource.ToString().ToLowerInvariant()}{(r.PriceId is { } p ? $", price row {p}" : "")})");
            AnsiConsole.Write(facts);
            if (r is { CostSource: CostSource.PriceTable, PriceId: { } priceId } && await new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)).GetAsync(priceId, ct) is { } price)
            {
                var table = new Table().AddColumns("Class", "Tokens", "USD / Mtok", "USD");
                foreach (var column in table.Columns.Skip(1)) column.RightAligned();
                var parts = TokenPricing.Breakdown(r, price);
                foreach (var part in parts) table.AddRow(part.TokenClass, part.Tokens.ToString("N0", c), part.UsdPerMtok.ToString(c), part.Usd.ToString(c));
                table.AddRow("[bold]total[/]", (r.InputTokens + (long)r.OutputTokens).ToString("N0", c), "", parts.Sum(p => p.Usd).ToString(c));
                AnsiConsole.Write(table);
            }
        }));
        requests.Subcommands.Add(show);
        return requests;
    }
}
