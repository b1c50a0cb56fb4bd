using System.CommandLine;
using LatticeLock.Cli.Commands;

// Redirected output (scripts, tests) gets wide tables instead of 80-column wrapping.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

var root = new RootCommand("lattice: LatticeLock administration (reads ConnectionStrings__postgres like the silo)");
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(SessionsCommand.Create());
root.Subcommands.Add(RequestsCommand.Create());
root.Subcommands.Add(PricesCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(MetricsCommand.Create());
return await root.Parse(args).InvokeAsync();
