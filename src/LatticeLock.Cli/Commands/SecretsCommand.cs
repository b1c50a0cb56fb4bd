using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Secrets;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice secrets new-key</c> prints a fresh master key; <c>lattice secrets rotate-master --new-key-file F</c>
/// re-seals every workspace's data key under the key in F (the current one comes from <c>LatticeLock__Secrets__MasterKey</c>
/// or <c>…MasterKeyFile</c>), in one transaction, without touching a secret. Restart the silos with the new key after.
/// </summary>
public static class SecretsCommand
{
    public static Command Create()
    {
        var secrets = new Command("secrets", "The master key that seals provider credentials");
        var newKey = new Command("new-key", "Print a new random master key (base64), for LatticeLock__Secrets__MasterKey or a key file");
        newKey.SetAction(_ => Console.Out.WriteLine(MasterKey.NewBase64()));

        var file = new Option<FileInfo>("--new-key-file") { Description = "A file holding the new master key (base64)", Required = true };
        var rotate = new Command("rotate-master", "Re-seal every workspace's data key under a new master key (secrets stay as they are)") { file };
        rotate.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var current = MasterKey.FromSettings(configuration["LatticeLock:Secrets:MasterKey"], configuration["LatticeLock:Secrets:MasterKeyFile"])
                ?? throw new CliException($"set {MasterKey.Setting} (or {MasterKey.FileSetting}) to the current master key");
            MasterKey next;
            try
            {
                next = MasterKey.FromSettings(null, parse.GetValue(file)!.FullName)!;
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message.Replace(MasterKey.FileSetting, "--new-key-file", StringComparison.Ordinal));
            }
            if (next.Id == current.Id) throw new CliException($"--new-key-file holds the current master key (id {current.Id})");
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var store = new CredentialStore(dataSource, new AuditLog(dataSource, TimeProvider.System));
            int count;
            try
            {
                count = await store.RotateMasterAsync(current, next, new Progress<int>(n => Console.Error.WriteLine($"re-sealed {n} data keys…")), ct);
            }
            catch (Exception e) when (e is InvalidOperationException or MasterKeyMismatchException)
            {
                throw new CliException(e.Message); // nothing was changed: the rotation is one transaction
            }
            var table = new Table().AddColumns("Data keys re-sealed", "Old master key id", "New master key id");
            table.AddRow(count.ToString(CultureInfo.InvariantCulture), current.Id, next.Id);
            AnsiConsole.Write(table);
            Console.Out.WriteLine($"rotated {count.ToString(CultureInfo.InvariantCulture)} data keys to master key {next.Id}; restart every silo with the new key");
        }));
        secrets.Subcommands.Add(newKey);
        secrets.Subcommands.Add(rotate);
        return secrets;
    }
}
