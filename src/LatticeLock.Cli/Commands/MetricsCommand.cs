using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.Metrics;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice metrics status | rewind</c>: metric sinks' cursors, backlog and failures.</summary>
public static class MetricsCommand
{
    public static Command Create()
    {
        var metrics = new Command("metrics", "Metric delivery to the sinks (PostgreSQL metric_points, Timestream, Bigtable) and the cost aggregates");

        var status = new Command("status", "Each sink's backlog, lag, deliveries and last failure");
        status.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var c = CultureInfo.InvariantCulture;
            var table = new Table().AddColumns("Sink", "Pending", "Lag (s)", "Delivered", "Rejected", "Failures in a row", "Last success", "Last error");
            foreach (var s in await new MetricCursorStore(dataSource).StatesAsync(ct))
            {
                table.AddRow(Markup.Escape(s.Sink),
                    (s.Pending >= MetricCursorStore.PendingCountLimit ? "≥" : "") + s.Pending.ToString("N0", c),
                    s.LagSeconds.ToString("0.0", c), s.Delivered.ToString("N0", c), s.Rejected.ToString("N0", c),
                    s.ConsecutiveFailures.ToString(c), s.LastSuccessAt?.ToString("u", c) ?? "-",
                    s.ConsecutiveFailures > 0 ? Markup.Escape(s.LastError ?? "") : "");
            }
            AnsiConsole.Write(table);
        }));

        var sink = new Argument<string>("sink") { Description = "postgres, timestream, bigtable (not aggregates: its sums would double)" };
        var rewind = new Command("rewind", "Send every stored request to a sink again, from the start (its writes are idempotent); its pump picks it up within a minute") { sink };
        rewind.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var name = parse.GetValue(sink)!;
            if (name == CostAggregationConsumer.ConsumerName) throw new CliException("the aggregates add up what they receive; rewinding them would count requests twice");
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            if (!await new MetricCursorStore(dataSource).RewindAsync(name, ct)) throw new CliException($"no sink named '{name}' has a cursor (see `lattice metrics status`)");
            AnsiConsole.MarkupLine($"Rewound {Markup.Escape(name)}: its pump re-sends every request within a minute");
        }));

        metrics.Subcommands.Add(status);
        metrics.Subcommands.Add(rewind);
        return metrics;
    }
}
