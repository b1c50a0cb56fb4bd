using System.CommandLine;
using LatticeLock.Storage.Migrations;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice migrate up [--to N] | down --to N | status</c></summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var migrate = new Command("migrate", "Apply, revert or list database schema migrations (ConnectionStrings__postgres)");

        var upTo = new Option<int?>("--to") { Description = "Stop at this version (default: newest)" };
        var up = new Command("up", "Apply pending migrations") { upTo };
        up.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var runner = new MigrationRunner(dataSource);
            var applied = await WithProgressAsync(progress => runner.UpAsync(parse.GetValue(upTo), progress, ct));
            AnsiConsole.MarkupLine(applied == 0
                ? $"[green]Schema already at version {await runner.CurrentVersionAsync(ct)}[/]"
                : $"[green]Applied {applied} migration(s); schema at version {await runner.CurrentVersionAsync(ct)}[/]");
        }));

        var downTo = new Option<int>("--to") { Description = "Revert every migration above this version (0 = all)", Required = true };
        var down = new Command("down", "Revert migrations, newest first") { downTo };
        down.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var runner = new MigrationRunner(dataSource);
            var target = parse.GetValue(downTo);
            if (target < 0) throw new CliException("--to must be >= 0");
            var reverted = await WithProgressAsync(progress => runner.DownAsync(target, progress, ct));
            AnsiConsole.MarkupLine($"[yellow]Reverted {reverted} migration(s); schema at version {await runner.CurrentVersionAsync(ct)}[/]");
        }));

        var status = new Command("status", "List migrations and whether each is applied");
        status.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var states = await new MigrationRunner(dataSource).StatusAsync(ct);
            var table = new Table().AddColumns("Version", "Name", "Applied at");
            foreach (var s in states)
                table.AddRow(s.Version.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), s.Name,
                    s.AppliedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "[grey]pending[/]");
            AnsiConsole.Write(table);
            var current = states.Where(s => s.IsApplied).Select(s => s.Version).DefaultIfEmpty(0).Max();
            AnsiConsole.MarkupLine($"Current version: {current}; newest: {MigrationCatalog.Head}");
        }));

        migrate.Subcommands.Add(up);
        migrate.Subcommands.Add(down);
        migrate.Subcommands.Add(status);
        return migrate;
    }

    /// <summary>A progress bar on a terminal; one line per step when output is redirected (CI, scripts).</summary>
    private static async Task<int> WithProgressAsync(Func<IProgress<MigrationProgress>, Task<int>> run)
    {
        static string Describe(MigrationProgress p) =>
            $"{(p.Direction == MigrationDirection.Up ? "applying" : "reverting")} {p.Migration.Version:D4}_{Markup.Escape(p.Migration.Name)}";

        if (Console.IsOutputRedirected)
        {
            return await run(new SynchronousProgress<MigrationProgress>(p => AnsiConsole.MarkupLine($"[[{p.Step}/{p.TotalSteps}]] {Describe(p)}")));
        }
        return await AnsiConsole.Progress().StartAsync(async context =>
        {
            ProgressTask? bar = null;
            var result = await run(new SynchronousProgress<MigrationProgress>(p =>
            {
                bar ??= context.AddTask("migrations", maxValue: p.TotalSteps);
                bar.Value = p.Step - 1;
                bar.Description = Describe(p);
            }));
            if (bar is not null) bar.Value = bar.MaxValue;
            return result;
        });
    }
}
