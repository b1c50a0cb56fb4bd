using System.CommandLine;
using LatticeLock.Cli.Commands;

var root = new RootCommand("lattice: LatticeLock administration (reads ConnectionStrings__postgres like the silo)");
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(SessionsCommand.Create());
root.Subcommands.Add(RequestsCommand.Create());
return await root.Parse(args).InvokeAsync();
