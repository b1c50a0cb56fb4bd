using Npgsql;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// Makes a repeat's answer as durable as a first commit. A retry whose row is stored already writes nothing, and a
/// transaction that wrote nothing commits without waiting for the synchronous standby, so the stored row may still be
/// on the primary alone (its first attempt was refused because the standby did not confirm it in time). Passing the
/// barrier commits a transaction holding one WAL record (a transactional <c>pg_logical_emit_message</c>, allowed for
/// every role at any <c>wal_level</c>, ignored unless a logical decoder asks for it): PostgreSQL's commit then waits
/// until a synchronous standby has all WAL up to it, the earlier row included. Through <see cref="ConfirmedCommit"/>,
/// so a wait cut short is refused (503) like any unconfirmed commit. Without a synchronous standby it costs one
/// small commit.
/// </summary>
public static class SynchronousBarrier
{
    private const string Sql = "SELECT pg_logical_emit_message(true, 'latticelock.barrier', '')";

    /// <summary>Adds the barrier's WAL record to an open transaction that may have written nothing; its commit waits.</summary>
    public static async Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Commits the barrier on its own (one autocommit statement), confirmed in time or refused.</summary>
    public static async Task PassAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        await ConfirmedCommit.ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken);
    }
}
