using System.Diagnostics;
using Npgsql;

namespace LatticeLock.Cli.Backup;

/// <summary>
/// Takes a base backup with <c>pg_basebackup</c> (plain format, the WAL it needs streamed alongside, an immediate
/// checkpoint) into <c>base/ID</c> of the backup folder, and describes it in <c>base/ID.json</c> (its start and finish,
/// size, schema version). Written under a hidden name and renamed when complete, so a failed run leaves no backup
/// that looks whole.
/// </summary>
public static class BaseBackupTaker
{
    public static async Task<BaseBackup> TakeAsync(PostgresTools tools, BackupDirectory backups, NpgsqlDataSource dataSource, string connectionString,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var (host, port, user, password) = Endpoint(connectionString);
        var started = clock.GetUtcNow();
        var id = BackupDirectory.NewId(started);
        var partial = Path.Combine(backups.BaseFolder, "." + id + ".partial");
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        var environment = password is null ? null : new Dictionary<string, string> { ["PGPASSWORD"] = password };
        var (code, output) = await tools.RunAsync("pg_basebackup",
            ["-D", partial, "-F", "p", "-X", "stream", "-c", "fast", "-h", host, "-p", port, "-U", user, "-w", "-l", $"lattice {id}"],
            asServerUser: false, cancellationToken, environment);
        if (code != 0)
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            throw new CliException($"pg_basebackup failed (exit {code}): {output.ReplaceLineEndings(" ")}");
        }
        var finished = clock.GetUtcNow();
        Directory.Move(partial, Path.Combine(backups.BaseFolder, id));
        await using var version = dataSource.CreateCommand("SELECT coalesce(max(version), 0) FROM schema_migrations");
        var schema = Convert.ToInt64(await version.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        var backup = new BaseBackup(id, started, finished, BackupDirectory.SizeOf(Path.Combine(backups.BaseFolder, id)), schema, $"{host}:{port}");
        backups.Describe(backup);
        return backup;
    }

    /// <summary>The server to copy: the first host of the connection string (pg_basebackup may read a standby too).</summary>
    private static (string Host, string Port, string User, string? Password) Endpoint(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var first = (builder.Host ?? "127.0.0.1").Split(',')[0].Trim();
        var port = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var colon = first.LastIndexOf(':');
        if (colon > 0 && !first.EndsWith(']') && int.TryParse(first[(colon + 1)..], out _)) (first, port) = (first[..colon], first[(colon + 1)..]);
        Debug.Assert(first.Length > 0);
        return (first, port, builder.Username ?? "postgres", builder.Password);
    }
}
