using System.CommandLine;
using LatticeLock.Cli.Commands;

var root = new RootCommand("lattice: LatticeLock administration (reads ConnectionStrings__postgres like the silo)");
root.Subcommands.Add(MigrateCommand.Create());
return await root.Parse(args).InvokeAsync();
