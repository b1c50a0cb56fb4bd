using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace LatticeLock.Cli.Backup;

/// <summary>
/// The PostgreSQL programs the backup commands run (<c>pg_basebackup</c>, <c>pg_ctl</c>): from
/// <c>LatticeLock__Backup__PostgresBin</c>, else the newest <c>/usr/lib/postgresql/N/bin</c>, else the PATH. The
/// server refuses to run as root, so when the CLI is root a server is started as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresTools(string? binDirectory)
{
    public static PostgresTools From(IConfiguration configuration)
    {
        var configured = configuration["LatticeLock:Backup:PostgresBin"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!File.Exists(Path.Combine(configured, "pg_ctl"))) throw new CliException($"LatticeLock__Backup__PostgresBin: no pg_ctl in {configured}");
            return new PostgresTools(configured);
        }
        return Installed();
    }

    /// <summary>The newest <c>/usr/lib/postgresql/N/bin</c>, else the programs on the PATH.</summary>
    public static PostgresTools Installed()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return new PostgresTools(installed);
    }

    /// <summary>Whether the CLI runs as root (the server must then run as <c>postgres</c>).</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public string ProgramPath(string program) => binDirectory is null ? program : Path.Combine(binDirectory, program);

    /// <summary>Runs <paramref name="program"/> (as <c>postgres</c> when <paramref name="asServerUser"/> and root) and returns its exit code and output.</summary>
    public async Task<(int Code, string Output)> RunAsync(string program, IReadOnlyList<string> args, bool asServerUser, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = asServerUser && IsRoot
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", ProgramPath(program), .. args])
            : new ProcessStartInfo(ProgramPath(program), args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliException($"cannot run {ProgramPath(program)} ({e.Message}); install the PostgreSQL server package or set LatticeLock__Backup__PostgresBin");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
    }

    /// <summary>Gives <paramref name="directory"/> to the server's user when root (a restored data folder must be its own, mode 700).</summary>
    public static async Task HandToServerUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsRoot) return;
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", directory]) { UseShellExecute = false })!;
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0) throw new CliException($"could not give {directory} to the postgres user (chown exit {chown.ExitCode})");
    }
}
