using System.CommandLine;
using LatticeLock.Cli.Commands;

// Redirected output (scripts, tests) gets wide tables instead of 80-column wrapping.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

var root = new RootCommand("lattice: LatticeLock administration (reads ConnectionStrings__postgres like the silo)");
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(SessionsCommand.Create());
root.Subcommands.Add(TracesCommand.Create());
root.Subcommands.Add(RequestsCommand.Create());
root.Subcommands.Add(PricesCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(MetricsCommand.Create());
root.Subcommands.Add(DbCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(SecretsCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(RetentionCommand.Create());
root.Subcommands.Add(BackupCommand.Create());
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line in the user's terms, not the whole help: the help stays one --help away.
    if (LatticeLock.Cli.UnknownCommand.Describe(parsed) is { } unknown)
    {
        LatticeLock.Cli.CliRunner.Error(unknown);
        return 2;
    }
    var path = new List<string>();
    for (var r = parsed.CommandResult; r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) path.Insert(0, r.Command.Name);
    LatticeLock.Cli.CliRunner.Error($"{parsed.Errors[0].Message} (see: lattice {string.Join(' ', path.Append("--help"))})");
    return 2;
}
return await parsed.InvokeAsync();
