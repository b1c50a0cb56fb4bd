using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace LatticeLock.Cli.Backup;

/// <summary>
/// A PostgreSQL server started from a base backup and the archived WAL (point-in-time recovery): the backup is copied
/// into <c>DIR/data</c>, told to fetch WAL from the archive (<c>restore_command</c>) up to the target time (or to the end
/// of the archive) and then to promote, and started on a loopback port with archiving off (a copy never writes into
/// the archive it came from). <see cref="StartAsync"/> returns once recovery has finished and the server takes writes.
/// </summary>
public sealed class RestoredServer
{
    private readonly PostgresTools _tools;

    private RestoredServer(PostgresTools tools, string directory, int port)
    {
        _tools = tools;
        Folder = directory;
        Port = port;
    }

    public string Folder { get; }
    public string DataFolder => Path.Combine(Folder, "data");
    public string LogFile => Path.Combine(Folder, "server.log");
    public int Port { get; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    public static async Task<RestoredServer> StartAsync(PostgresTools tools, BackupDirectory backups, BaseBackup backup, DateTimeOffset? target, string directory,
        int? port, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new CliException($"--into: {directory} is not empty; restore into a new folder");
        var server = new RestoredServer(tools, directory, port ?? FreePort());
        Directory.CreateDirectory(server.DataFolder);
        CopyTree(backup.Folder(backups), server.DataFolder);
        await File.WriteAllTextAsync(Path.Combine(server.DataFolder, "recovery.signal"), "", cancellationToken);
        var settings = new List<string>
        {
            "",
            "# written by lattice backup restore",
            $"restore_command = 'cp \"{Quote(backups.WalFolder)}/%f\" \"%p\"'",
            "recovery_target_action = 'promote'",
            "archive_mode = 'off'",
            "hot_standby = 'off'", // no reads until recovery ends; also spares the checks that settings match the primary's
            "synchronous_standby_names = ''", // a copy of a primary with a synchronous standby must not wait for that standby
            $"port = {server.Port}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{Quote(directory)}'",
        };
        if (target is { } t) settings.Add($"recovery_target_time = '{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}+00'");
        await File.AppendAllLinesAsync(Path.Combine(server.DataFolder, "postgresql.auto.conf"), settings, cancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(server.DataFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await PostgresTools.HandToServerUserAsync(directory, cancellationToken);
        // Started without waiting (the replay may take long); the wait below watches it. A server that fails to come up
        // is stopped, never left running.
        var (code, output) = await tools.RunAsync("pg_ctl", ["-D", server.DataFolder, "-l", server.LogFile, "-W", "start"], asServerUser: true, cancellationToken);
        if (code != 0) throw new CliException($"the restored server did not start ({output}); its log says: {server.LogTail()}");
        try
        {
            await server.WaitForPromotionAsync(cancellationToken);
        }
        catch
        {
            await server.StopAsync(delete: false, CancellationToken.None);
            throw;
        }
        return server;
    }

    /// <summary>Stops the server (fast shutdown) and, when asked, deletes its folder.</summary>
    public Task StopAsync(bool delete, CancellationToken cancellationToken) => StopAsync(_tools, Folder, delete, cancellationToken);

    /// <summary>Stops the restored server in <paramref name="folder"/> if it runs and, when asked, deletes the folder.</summary>
    public static async Task StopAsync(PostgresTools tools, string folder, bool delete, CancellationToken cancellationToken)
    {
        var data = Path.Combine(folder, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
            await tools.RunAsync("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"], asServerUser: true, cancellationToken);
        if (delete && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>The longest a replay may take before the restore gives up (and stops the server).</summary>
    public static readonly TimeSpan MaxRecovery = TimeSpan.FromHours(1);

    /// <summary>Waits until recovery has reached its target and the server has promoted (it takes writes), at most <see cref="MaxRecovery"/>.</summary>
    private async Task WaitForPromotionAsync(CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!) return;
            }
            catch (NpgsqlException)
            {
                // Still replaying (connections are refused until recovery ends), or not listening yet.
            }
            if (elapsed.Elapsed > MaxRecovery) throw new CliException($"recovery did not finish within {MaxRecovery.TotalMinutes:0} minutes; the log says: {LogTail()}");
            // The postmaster writes its pid file as it starts and removes it when recovery fails and it shuts down.
            if (elapsed.Elapsed > TimeSpan.FromSeconds(5) && !File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
                throw new CliException($"the restored server stopped during recovery; the log says: {LogTail()}");
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>The last lines of the server's log, for an error message.</summary>
    public string LogTail()
    {
        if (!File.Exists(LogFile)) return "(no log)";
        var lines = File.ReadAllLines(LogFile);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 6)));
    }

    private static string Quote(string path) => path.Replace("'", "''", StringComparison.Ordinal);

    private static void CopyTree(string from, string to)
    {
        foreach (var folder in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
