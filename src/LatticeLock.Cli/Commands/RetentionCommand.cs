using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.Retention;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice retention status</c>: which workspaces expire what, and what the job's last passes removed.</summary>
public static class RetentionCommand
{
    public static Command Create()
    {
        var retention = new Command("retention", "Retention: each workspace's settings and what the retention job removed (docs/retention.md)");
        var passes = new Option<int>("--passes") { Description = "How many of the latest passes to list (1-1000)", DefaultValueFactory = _ => 10 };
        var status = new Command("status", "Workspaces with a retention setting, and the latest passes of the retention job") { passes };
        status.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var count = parse.GetValue(passes);
            if (count is < 1 or > RetentionPassLog.KeptPasses) throw new CliException($"--passes must be 1 to {RetentionPassLog.KeptPasses}");
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var c = CultureInfo.InvariantCulture;
            static string Days(int? d) => d is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) + " d" : "keep";
            var settings = new Table().AddColumns("Workspace", "Name", "Model requests", "Spans", "Chat turns");
            foreach (var (id, name, deleted, r) in await RetentionSettings.ListAsync(dataSource, 1000, ct))
                settings.AddRow(id.ToString(), Markup.Escape(name) + (deleted ? " (deleted)" : ""), Days(r.ModelRequests), Days(r.Spans), Days(r.ChatTurns));
            AnsiConsole.Write(settings.Title("Retention settings (every other workspace keeps everything)"));
            var table = new Table().AddColumns("Started", "Seconds", "Model requests", "Spans", "Traces", "Chat turns", "Statements", "Dropped partitions", "Held back", "Error");
            foreach (var p in await new RetentionPassLog(dataSource).RecentAsync(count, ct))
            {
                table.AddRow(p.StartedAt.ToString("u", c), (p.FinishedAt - p.StartedAt).TotalSeconds.ToString("0.0", c),
                    p.Rows("model_requests").ToString("N0", c), p.Rows("spans").ToString("N0", c), p.Rows("traces").ToString("N0", c),
                    p.Rows("chat_turns").ToString("N0", c), p.Statements.ToString("N0", c), Markup.Escape(string.Join(", ", p.DroppedPartitions)),
                    p.HeldBack.ToString("N0", c), Markup.Escape(p.Error ?? ""));
            }
            AnsiConsole.Write(table.Title("Latest passes of the retention job"));
        }));
        retention.Subcommands.Add(status);
        return retention;
    }
}
