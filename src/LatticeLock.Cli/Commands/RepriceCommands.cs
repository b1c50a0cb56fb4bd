using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Prices;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice prices reprice --from T1 --to T2 [--provider P] [--model M] | --resume RUN</c> and <c>lattice prices runs</c>:
/// corrections of table-priced costs after a price correction (<see cref="CostRepricer"/>), with progress, recorded per run.
/// </summary>
public static class RepriceCommands
{
    public static Command Reprice()
    {
        var from = CliOptions.Timestamp("--from", "Start of the window (requested_at, inclusive)");
        var to = CliOptions.Timestamp("--to", "End of the window (requested_at, exclusive)");
        var provider = new Option<string?>("--provider") { Description = "Only this provider's requests" };
        var model = new Option<string?>("--model") { Description = "Only this model's requests" };
        var resume = new Option<Guid?>("--resume") { Description = "Continue this run (after a crash or an interruption) instead of starting one" };
        var command = new Command("reprice",
            "Recompute the costs of requests priced from the table (or stored unpriced) in a window from the current prices; " +
            "session totals, budgets, cost analytics and metric sinks follow. Running it again changes nothing.")
            { from, to, provider, model, resume };
        command.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            RepriceWindow? window = null;
            var resumeId = parse.GetValue(resume);
            if (resumeId is null)
            {
                window = Checked(() => new RepriceWindow(
                    parse.GetValue(from) ?? throw new CliException("--from is required (or --resume RUN)"),
                    parse.GetValue(to) ?? throw new CliException("--to is required (or --resume RUN)"),
                    parse.GetValue(provider), parse.GetValue(model)).Validated());
            }
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var runs = new RepriceRunStore(dataSource);
            var repricer = new CostRepricer(dataSource, new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)), runs, new PriceRows(new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System))));
            RepriceRun? run = null;
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask("repricing", maxValue: 1000);
                run = await repricer.RunAsync(window, resumeId, $"cli:{Environment.UserName}",
                    new SynchronousProgress<RepriceRun>(r =>
                    {
                        task.Value = r.Progress * 1000;
                        task.Description = $"repricing: {r.RowsExamined:N0} rows examined, {r.RowsChanged:N0} changed";
                    }), ct);
            });
            Write([run!]);
        }));
        return command;
    }

    public static Command Runs()
    {
        var command = new Command("runs", $"List the latest reprice runs (at most {RepriceRunStore.ListLimit})");
        command.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            Write(await new RepriceRunStore(dataSource).ListAsync(ct));
        }));
        return command;
    }

    private static void Write(IEnumerable<RepriceRun> runs)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("Run", "By", "Window", "Filter", "Status", "Examined", "Changed", "Over limit", "Old total $", "New total $", "Started");
        foreach (var r in runs)
        {
            table.AddRow(r.Id.ToString(), Markup.Escape(r.RequestedBy), $"{r.From.ToString("u", c)} – {r.To.ToString("u", c)}",
                Markup.Escape($"{r.Provider ?? "*"}/{r.Model ?? "*"}"), r.IsFinished ? r.Status : $"{r.Status} ({r.Progress:P0})",
                r.RowsExamined.ToString("N0", c), r.RowsChanged.ToString("N0", c), r.RowsOverLimit.ToString("N0", c),
                r.OldTotalUsd.ToString(c), r.NewTotalUsd.ToString(c), r.StartedAt.ToString("u", c));
        }
        AnsiConsole.Write(table);
    }

    private static T Checked<T>(Func<T> action)
    {
        try { return action(); }
        catch (InvalidFieldException e) { throw new CliException(e.Message); }
    }
}
