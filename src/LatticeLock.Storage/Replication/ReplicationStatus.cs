using Npgsql;

namespace LatticeLock.Storage.Replication;

/// <summary>One server streaming from the primary, as <c>pg_stat_replication</c> shows it.</summary>
/// <param name="Name">Its <c>application_name</c> (the standby's <c>cluster_name</c> unless set).</param>
/// <param name="SyncState"><c>sync</c> (commits wait for it), <c>potential</c>, <c>quorum</c> or <c>async</c>.</param>
/// <param name="LagBytes">WAL the primary has written that the standby has not replayed yet.</param>
/// <param name="ReplayLagSeconds">How long the last replayed commit took to reach it (null when idle).</param>
public sealed record StandbyStatus(string Name, string? Address, string State, string SyncState, long? LagBytes, double? ReplayLagSeconds);

/// <summary>Which server is the primary, and how far behind it each standby is.</summary>
public sealed record ReplicationSnapshot(string Primary, string? SynchronousStandbyNames, string SynchronousCommit, IReadOnlyList<StandbyStatus> Standbys);

/// <summary>Reads <see cref="ReplicationSnapshot"/> from the primary (a server that is not in recovery).</summary>
public sealed class ReplicationStatus(NpgsqlDataSource primary)
{
    public async Task<ReplicationSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await primary.OpenConnectionAsync(cancellationToken);
        string server;
        string? syncNames;
        string syncCommit;
        await using (var command = new NpgsqlCommand(
            "SELECT coalesce(host(inet_server_addr()), 'local socket') || ':' || current_setting('port'), current_setting('synchronous_standby_names'), current_setting('synchronous_commit')", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            server = reader.GetString(0);
            syncNames = reader.GetString(1) is { Length: > 0 } names ? names : null;
            syncCommit = reader.GetString(2);
        }
        var standbys = new List<StandbyStatus>();
        await using (var command = new NpgsqlCommand("""
            -- Without pg_monitor, another role's rows show NULLs: they read as "unknown", never as an error.
            SELECT coalesce(application_name, ''), host(client_addr), coalesce(state, 'unknown'), coalesce(sync_state, 'unknown'),
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
                   extract(epoch FROM replay_lag)::float8
            FROM pg_stat_replication ORDER BY application_name
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                standbys.Add(new StandbyStatus(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetDouble(5)));
            }
        }
        return new ReplicationSnapshot(server, syncNames, syncCommit, standbys);
    }
}
