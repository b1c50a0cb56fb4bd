using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.ModelRequests;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice requests tail [-n N] [--session ID]</c>: the latest model requests.</summary>
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
        return requests;
    }
}
