using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.Audit;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice audit verify --workspace ID</c>: recomputes a workspace's audit hash chain from its first row. Exit 0 with
/// <c>verified N entries</c>, or exit 1 naming the first row that breaks the chain (changed, missing or out of order).
/// </summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var audit = new Command("audit", "The tamper-evident audit log of a workspace");
        var workspace = new Option<Guid>("--workspace") { Description = "The workspace whose chain to check", Required = true };
        var verify = new Command("verify", "Recompute the workspace's hash chain and report the first row that breaks it") { workspace };
        verify.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var id = parse.GetValue(workspace);
            var progress = new Progress<long>(n => Console.Error.WriteLine($"verified {n.ToString("N0", CultureInfo.InvariantCulture)} entries so far…"));
            var (verified, broken, reason) = await new AuditLog(dataSource, TimeProvider.System).VerifyAsync(id, progress, ct);
            if (broken is { } seq)
                throw new CliException($"the audit chain of workspace {id} breaks at seq {seq.ToString(CultureInfo.InvariantCulture)}: {reason} ({verified.ToString(CultureInfo.InvariantCulture)} entries before it verified)", exitCode: 1);
            Console.Out.WriteLine($"verified {verified.ToString(CultureInfo.InvariantCulture)} entries");
        }));
        audit.Subcommands.Add(verify);
        return audit;
    }
}
