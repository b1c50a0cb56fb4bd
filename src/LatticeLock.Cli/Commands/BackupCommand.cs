using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatticeLock.Cli.Backup;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary>
/// <c>lattice backup create | list | restore | verify</c>: base backups and point-in-time restore from the archived WAL
/// (docs/operations.md, "Backups and point-in-time restore").
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var backup = new Command("backup", "Base backups of PostgreSQL and point-in-time restore from the archived WAL (LatticeLock__Backup__Directory)");
        var dir = new Option<string?>("--dir") { Description = "The backup folder (default: LatticeLock__Backup__Directory), holding wal/ and base/" };

        var create = new Command("create", "Take a base backup of the database server (pg_basebackup) into the backup folder") { dir };
        create.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var backups = BackupDirectory.From(configuration, parse.GetValue(dir));
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var watch = Stopwatch.StartNew();
            var taken = await AnsiConsole.Status().StartAsync("taking a base backup (pg_basebackup)…", _ =>
                BaseBackupTaker.TakeAsync(PostgresTools.From(configuration), backups, dataSource,
                    PostgresConnectionString.Normalize(configuration.GetConnectionString("postgres")!), TimeProvider.System, ct));
            AnsiConsole.Write(Table([taken]));
            AnsiConsole.MarkupLine($"Base backup [bold]{taken.Id}[/] taken in {watch.Elapsed.TotalSeconds:0.0} s into {Markup.Escape(taken.Folder(backups))}");
        }));

        var list = new Command("list", "The base backups and the archived WAL") { dir };
        list.SetAction((parse, ct) => CliRunner.RunAsync(configuration =>
        {
            var backups = BackupDirectory.From(configuration, parse.GetValue(dir));
            AnsiConsole.Write(Table(backups.Backups()));
            var (segments, first, last, lastAt) = backups.Archive();
            AnsiConsole.MarkupLine(segments == 0
                ? "WAL archive: empty (is archive_mode on?)"
                : $"WAL archive: {segments:N0} segments, {first} … {last}, the newest archived {lastAt:u}: restorable to any time from the oldest backup's finish up to then");
            return Task.CompletedTask;
        }));

        var to = new Option<string>("--to") { Description = "The time to restore to (RFC 3339 with an offset, e.g. 2026-12-07T10:00:00Z), or 'latest' for everything archived", Required = true };
        var into = new Option<string>("--into") { Description = "A new folder for the restored server (its data, log and socket)", Required = true };
        var port = new Option<int?>("--port") { Description = "The port for the restored server (default: a free one)" };
        var restore = new Command("restore", "Start a new server holding the database as it was at --to (newest base backup before it, plus the archived WAL)") { dir, to, into, port };
        restore.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var latest = parse.GetValue(to) == "latest";
            DateTimeOffset target = DateTimeOffset.MaxValue;
            if (!latest && !Rfc3339.TryParse(parse.GetValue(to)!, out target))
                throw new CliException("--to: must be an RFC 3339 time with an offset, e.g. 2026-12-07T10:00:00Z, or 'latest'");
            if (parse.GetValue(port) is < 1 or > 65535) throw new CliException("--port: must be 1 to 65535");
            var backups = BackupDirectory.From(configuration, parse.GetValue(dir));
            var all = backups.Backups();
            var chosen = all.LastOrDefault(b => b.FinishedAt < target)
                ?? throw new CliException(all.Count == 0
                    ? "--to: there is no base backup yet (lattice backup create)"
                    : $"--to: no base backup finished before {target:O}; the oldest finished at {all[0].FinishedAt:O}");
            var goal = latest ? "the end of the archive" : target.ToString("O", CultureInfo.InvariantCulture);
            var database = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("postgres") ?? "").Database ?? "lattice";
            var watch = Stopwatch.StartNew();
            var server = await AnsiConsole.Status().StartAsync($"restoring base backup {chosen.Id} and replaying WAL up to {goal}…", _ =>
                RestoredServer.StartAsync(PostgresTools.From(configuration), backups, chosen, latest ? null : target, parse.GetValue(into)!, parse.GetValue(port), ct));
            AnsiConsole.MarkupLine($"Restored to {goal} from base backup {chosen.Id} in {watch.Elapsed.TotalSeconds:0.0} s; the server runs on port {server.Port}");
            AnsiConsole.MarkupLine($"Stop it with: pg_ctl -D {Markup.Escape(server.DataFolder)} stop");
            Console.WriteLine($"export ConnectionStrings__postgres='{server.ConnectionString(database)}'");
        }));

        var verify = new Command("verify", "Restore the newest base backup with all archived WAL into a throwaway server, check its schema version and tables against the live database, remove it") { dir };
        verify.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var backups = BackupDirectory.From(configuration, parse.GetValue(dir));
            var newest = backups.Backups().LastOrDefault() ?? throw new CliException("there is no base backup to verify (lattice backup create)");
            await using var live = CliSettings.OpenDataSource(configuration);
            var database = new NpgsqlConnectionStringBuilder(live.ConnectionString).Database ?? "lattice";
            var folder = Directory.CreateTempSubdirectory("lattice-verify-").FullName;
            Directory.Delete(folder);
            var watch = Stopwatch.StartNew();
            RestoredServer server;
            try
            {
                server = await AnsiConsole.Status().StartAsync($"restoring base backup {newest.Id} with every archived WAL segment…", _ =>
                    RestoredServer.StartAsync(PostgresTools.From(configuration), backups, newest, null, folder, null, ct));
            }
            catch
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // the server was stopped by StartAsync
                throw;
            }
            var restoreSeconds = watch.Elapsed.TotalSeconds;
            try
            {
                await using var restored = NpgsqlDataSource.Create(server.ConnectionString(database));
                var liveVersion = await ScalarAsync(live, "SELECT coalesce(max(version), 0) FROM schema_migrations", ct);
                var restoredVersion = await ScalarAsync(restored, "SELECT coalesce(max(version), 0) FROM schema_migrations", ct);
                var table = new Table().AddColumns("Table", "Rows restored", "Rows live now");
                long rows = 0;
                foreach (var name in await TablesAsync(live, ct))
                {
                    var restoredRows = await ScalarAsync(restored, $"SELECT count(*) FROM {SqlIdentifier.Quote(name)}", ct);
                    var liveRows = await ScalarAsync(live, $"SELECT count(*) FROM {SqlIdentifier.Quote(name)}", ct);
                    rows += restoredRows;
                    table.AddRow(name, restoredRows.ToString("N0", CultureInfo.InvariantCulture), liveRows.ToString("N0", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
                if (restoredVersion != liveVersion)
                    throw new CliException($"the restored schema is at version {restoredVersion}, the live one at {liveVersion}: the archive misses WAL since the backup");
                AnsiConsole.MarkupLine($"verified base backup {newest.Id}: schema version {restoredVersion}, {table.Rows.Count} tables, {rows:N0} rows, restored in {restoreSeconds:0.0} s");
            }
            catch (PostgresException e)
            {
                throw new CliException($"the restored database could not be read: {e.MessageText}");
            }
            finally
            {
                await server.StopAsync(delete: true, CancellationToken.None);
            }
        }));

        backup.Subcommands.Add(create);
        backup.Subcommands.Add(list);
        backup.Subcommands.Add(restore);
        backup.Subcommands.Add(verify);
        return backup;
    }

    private static Table Table(IReadOnlyList<BaseBackup> backups)
    {
        var table = new Table().AddColumns("Backup", "Started", "Finished", "Size (MB)", "Schema version", "Server");
        foreach (var b in backups)
            table.AddRow(b.Id, b.StartedAt.ToString("u", CultureInfo.InvariantCulture), b.FinishedAt.ToString("u", CultureInfo.InvariantCulture),
                (b.Bytes / 1048576.0).ToString("N1", CultureInfo.InvariantCulture), b.SchemaVersion.ToString(CultureInfo.InvariantCulture), Markup.Escape(b.Server));
        return table;
    }

    /// <summary>The live database's tables (partitioned tables as one; partitions are counted through their parent).</summary>
    private static async Task<List<string>> TablesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1
            """);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        return names;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
