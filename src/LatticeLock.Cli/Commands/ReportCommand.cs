using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage;
using LatticeLock.Storage.Analytics;
using LatticeLock.Storage.Workspaces;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice report costs | models</c>: the /v1/analytics answers as tables (read from PostgreSQL directly).</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var report = new Command("report", "Cost and model reports");
        var c = CultureInfo.InvariantCulture;

        var from = CliOptions.Day("--from", "First day (default: first of this month)");
        var to = CliOptions.Day("--to", "Day after the last one (default: tomorrow)");
        var groupBy = new Option<string>("--group-by") { Description = string.Join("|", CostAnalytics.GroupBys), DefaultValueFactory = _ => "day" };
        var project = new Option<Guid?>("--project") { Description = "Only this project's requests" };
        var user = new Option<Guid?>("--user") { Description = "Only this user's requests" };
        var workspace = new Option<Guid?>("--workspace") { Description = "Only this workspace's requests" };
        var costs = new Command("costs", "Requests, tokens and cost per group (from cost_aggregations)") { from, to, groupBy, project, user, workspace };
        costs.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var defaults = CostAnalytics.DefaultCostWindow(DateTimeOffset.UtcNow);
            var first = parse.GetValue(from) ?? defaults.From;
            var last = parse.GetValue(to) ?? defaults.To;
            if (last <= first) throw new CliException("--to must be after --from");
            if (last.DayNumber - first.DayNumber > CostAnalytics.MaxWindowDays) throw new CliException($"--from to --to may span at most {CostAnalytics.MaxWindowDays} days");
            var g = parse.GetValue(groupBy)!;
            var grouping = CostAnalytics.ParseGroupBy(g) ?? throw new CliException($"--group-by must be one of {string.Join(", ", CostAnalytics.GroupBys)}");
            await using var sources = CliSettings.OpenDataSources(configuration);
            var rows = await new CostAnalytics(new ReadOnlyDataSource(sources.ReadOnly)).CostsAsync(first, last, grouping, new AnalyticsScope(WorkspaceReadScope.Operator, parse.GetValue(workspace), parse.GetValue(user), parse.GetValue(project)), ct);
            var table = new Table().AddColumns(g, "Requests", "Input tokens", "of which cache reads / writes", "Output tokens", "of which reasoning",
                "Input (USD)", "of which cache reads / writes", "Output (USD)", "of which reasoning", "Cost (USD)");
            foreach (var column in table.Columns.Skip(1)) column.RightAligned();
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Key ?? "(none)"), r.Requests.ToString("N0", c), r.InputTokens.ToString("N0", c),
                    $"{r.CachedInputTokens.ToString("N0", c)} / {r.CacheWriteInputTokens.ToString("N0", c)}", r.OutputTokens.ToString("N0", c),
                    r.ReasoningOutputTokens.ToString("N0", c), r.InputCostUsd.ToString("0.00######", c),
                    $"{r.CachedInputCostUsd.ToString("0.00######", c)} / {r.CacheWriteInputCostUsd.ToString("0.00######", c)}",
                    r.OutputCostUsd.ToString("0.00######", c), r.ReasoningOutputCostUsd.ToString("0.00######", c), r.CostUsd.ToString("0.00######", c));
            table.AddRow("[bold]total[/]", rows.Sum(r => r.Requests).ToString("N0", c), rows.Sum(r => r.InputTokens).ToString("N0", c),
                $"{rows.Sum(r => r.CachedInputTokens).ToString("N0", c)} / {rows.Sum(r => r.CacheWriteInputTokens).ToString("N0", c)}",
                rows.Sum(r => r.OutputTokens).ToString("N0", c), rows.Sum(r => r.ReasoningOutputTokens).ToString("N0", c),
                rows.Sum(r => r.InputCostUsd).ToString("0.00######", c),
                $"{rows.Sum(r => r.CachedInputCostUsd).ToString("0.00######", c)} / {rows.Sum(r => r.CacheWriteInputCostUsd).ToString("0.00######", c)}",
                rows.Sum(r => r.OutputCostUsd).ToString("0.00######", c), rows.Sum(r => r.ReasoningOutputCostUsd).ToString("0.00######", c),
                rows.Sum(r => r.CostUsd).ToString("0.00######", c));
            table.Title = new TableTitle($"Costs {first:yyyy-MM-dd} to {last:yyyy-MM-dd} (exclusive) by {g}");
            AnsiConsole.Write(table);
        }));

        var taskType = new Option<string?>("--task-type") { Description = "Only requests of this task type (e.g. code)" };
        var since = CliOptions.Day("--from", "First day (default: 29 days before today)");
        var until = CliOptions.Day("--to", "Day after the last one (default: tomorrow)");
        var sort = new Option<string>("--sort") { Description = string.Join("|", CostAnalytics.Sorts), DefaultValueFactory = _ => "success_rate" };
        var modelsProject = new Option<Guid?>("--project") { Description = "Only this project's requests" };
        var modelsWorkspace = new Option<Guid?>("--workspace") { Description = "Only this workspace's requests" };
        var models = new Command("models", "Leaderboard per model: success rate, latency percentiles, cost per success and per 1k tokens")
            { taskType, since, until, sort, modelsProject, modelsWorkspace };
        models.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var defaults = CostAnalytics.DefaultModelWindow(DateTimeOffset.UtcNow);
            var start = parse.GetValue(since) ?? defaults.From;
            var end = parse.GetValue(until) ?? defaults.To;
            if (end <= start) throw new CliException("--to must be after --from");
            if (end.DayNumber - start.DayNumber > CostAnalytics.MaxWindowDays) throw new CliException($"--from to --to may span at most {CostAnalytics.MaxWindowDays} days");
            var s = parse.GetValue(sort)!;
            if (!CostAnalytics.Sorts.Contains(s)) throw new CliException($"--sort must be one of {string.Join(", ", CostAnalytics.Sorts)}");
            await using var sources = CliSettings.OpenDataSources(configuration);
            var rows = await new CostAnalytics(new ReadOnlyDataSource(sources.ReadOnly)).ModelsAsync(start, end, parse.GetValue(taskType), s, new AnalyticsScope(WorkspaceReadScope.Operator, parse.GetValue(modelsWorkspace), null, parse.GetValue(modelsProject)), ct);
            var table = new Table().AddColumns("Model", "Provider", "Requests", "Success", "P50 ms", "P95 ms", "$/success", "$/1k tokens", "Feedback");
            foreach (var column in table.Columns.Skip(2)) column.RightAligned();
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.ModelId), Markup.Escape(r.Provider), r.Requests.ToString("N0", c), r.SuccessRate.ToString("P1", c),
                    r.P50LatencyMs?.ToString("0.#", c) ?? "-", r.P95LatencyMs?.ToString("0.#", c) ?? "-",
                    r.AvgCostPerSuccessUsd?.ToString("0.00######", c) ?? "-", r.CostPer1kTokensUsd?.ToString("0.00######", c) ?? "-",
                    r.FeedbackScore?.ToString(c) ?? "-");
            }
            table.Title = new TableTitle($"Models {(parse.GetValue(taskType) is { } t ? $"for {Markup.Escape(t)} " : "")}{start:yyyy-MM-dd} to {end:yyyy-MM-dd} (exclusive), by {s}");
            AnsiConsole.Write(table);
        }));

        report.Subcommands.Add(costs);
        report.Subcommands.Add(models);
        return report;
    }
}
