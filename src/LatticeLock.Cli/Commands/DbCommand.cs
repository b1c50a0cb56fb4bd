using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage;
using LatticeLock.Storage.Replication;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice db status | promote [--host h:p]</c>: the PostgreSQL primary, its standbys' lag, and failover.</summary>
public static class DbCommand
{
    public static Command Create()
    {
        var db = new Command("db", "The PostgreSQL servers: which is the primary, how far behind each standby is, promoting a standby");

        var status = new Command("status", "The primary, the synchronous standby setting, and each standby's replication lag");
        status.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var sources = CliSettings.OpenDataSources(configuration);
            var snapshot = await new ReplicationStatus(sources.Primary).ReadAsync(ct);
            var c = CultureInfo.InvariantCulture;
            AnsiConsole.MarkupLine($"primary: {Markup.Escape(snapshot.Primary)}; synchronous_standby_names: {Markup.Escape(snapshot.SynchronousStandbyNames ?? "(none: commits wait for no standby)")}; synchronous_commit: {Markup.Escape(snapshot.SynchronousCommit)}");
            var table = new Table().AddColumns("Standby", "Address", "State", "Sync", "Lag (bytes)", "Replay lag (s)");
            foreach (var s in snapshot.Standbys)
            {
                table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Address ?? "-"), Markup.Escape(s.State), Markup.Escape(s.SyncState),
                    s.LagBytes?.ToString("N0", c) ?? "-", s.ReplayLagSeconds?.ToString("0.000", c) ?? "-");
            }
            if (snapshot.Standbys.Count == 0) AnsiConsole.MarkupLine("no standby is streaming from the primary");
            else AnsiConsole.Write(table);
        }));

        var host = new Option<string?>("--host") { Description = "The standby to promote, host:port (default: the first host of ConnectionStrings__postgres that is in recovery)" };
        var promote = new Command("promote", "Promote a standby to primary (pg_promote, as `pg_ctl promote` does); writers find it by themselves") { host };
        promote.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            var options = new DatabaseOptions { ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName) };
            var valid = new DatabaseOptionsValidator().Validate(null, options);
            if (valid.Failed) throw new CliException(valid.FailureMessage);
            var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(options.ConnectionString!));
            var candidates = parse.GetValue(host) is { } chosen ? [chosen] : (builder.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var candidate in candidates)
            {
                var single = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Host = candidate, TargetSessionAttributes = null, Pooling = false };
                if (!candidate.Contains(':', StringComparison.Ordinal)) single.Port = builder.Port;
                bool inRecovery;
                await using var connection = new NpgsqlConnection(single.ConnectionString);
                try
                {
                    await connection.OpenAsync(ct);
                    await using var check = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                    inRecovery = (bool)(await check.ExecuteScalarAsync(ct))!;
                }
                catch (NpgsqlException) when (candidates.Length > 1)
                {
                    continue; // down (the old primary, say): try the next host
                }
                if (!inRecovery)
                {
                    if (parse.GetValue(host) is not null) throw new CliException($"{candidate} is a primary already: nothing to promote");
                    continue;
                }
                await using var run = new NpgsqlCommand("SELECT pg_promote(true, 60)", connection);
                if (!(bool)(await run.ExecuteScalarAsync(ct))!) throw new CliException($"{candidate} did not finish promotion within 60 s");
                AnsiConsole.MarkupLine($"[green]promoted {Markup.Escape(candidate)}: it is the primary now[/]");
                return;
            }
            throw new CliException("no host of ConnectionStrings__postgres is a standby (in recovery) that answers; name one with --host");
        }));

        db.Subcommands.Add(status);
        db.Subcommands.Add(promote);
        return db;
    }
}
