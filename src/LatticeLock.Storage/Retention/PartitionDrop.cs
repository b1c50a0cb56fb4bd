using Npgsql;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// Drops a month's partition whose every row has expired, in steps so ingest into the other months never waits on a
/// scan:
/// <list type="number">
/// <item>check, without a lock, that no row in it is kept (at most <see cref="ScanTimeout"/>);</item>
/// <item>lock the partition in SHARE mode (readers go on; a late row for that month waits), check the rows written
/// since the first check (model requests, through their <c>xact_id</c> index; spans are read again), at most
/// <see cref="LockedCheckTimeout"/>, and TRUNCATE it (its space is freed at once);</item>
/// <item>lock the parent table (the lock a DROP of a partition needs; taken first so it cannot deadlock with an insert
/// that holds the parent and waits for the partition), check that the partition is still empty (a late row may have
/// arrived between the two), and DROP it.</item>
/// </list>
/// Each lock waits at most <see cref="LockTimeout"/>, and while it waits, new queries that need that table queue behind
/// it; once granted, TRUNCATE and DROP hold it for milliseconds. A busy table (or a check that ran out of time, or a
/// deadlock with a reprice, which PostgreSQL resolves by cancelling one side) is tried again at the next pass.
/// </summary>
public static class PartitionDrop
{
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);
    /// <summary>The longest the unlocked check may read a partition; a larger month is left to the batches.</summary>
    public static readonly TimeSpan ScanTimeout = TimeSpan.FromMinutes(5);
    /// <summary>The longest the check under the SHARE lock may take (a late row for the month waits that long at most).</summary>
    public static readonly TimeSpan LockedCheckTimeout = TimeSpan.FromSeconds(10);

    public enum Outcome { Dropped, Kept, Busy }

    public static async Task<Outcome> TryAsync(NpgsqlDataSource dataSource, RetainedTable table, TablePartition partition,
        IReadOnlyList<RetentionCutoff> cutoffs, RetentionGuards guards, CancellationToken cancellationToken)
    {
        var parent = SqlIdentifier.Quote(table.Partitioned!.Name);
        try
        {
            // First without a lock: the whole partition is read, and ingest into it goes on. What this read cannot see
            // was written by a transaction from `horizon` on.
            string horizon;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await ExecuteAsync(connection, transaction, $"SET LOCAL statement_timeout = '{(int)ScanTimeout.TotalMilliseconds}ms'", cancellationToken);
                await using (var first = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection, transaction))
                    horizon = (string)(await first.ExecuteScalarAsync(cancellationToken))!;
                if (await AnyKeptAsync(connection, transaction, table.AnyKept(partition.Quoted), table, cutoffs, guards, null, cancellationToken)) return Outcome.Kept;
                await transaction.CommitAsync(cancellationToken);
            }
            // Then under the SHARE lock, only what may have come since (model requests, by their writer's id), or
            // everything again (spans), at most LockedCheckTimeout: a late row for this month waits no longer.
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", cancellationToken);
                await ExecuteAsync(connection, transaction, $"SET LOCAL statement_timeout = '{(int)LockedCheckTimeout.TotalMilliseconds}ms'", cancellationToken);
                await ExecuteAsync(connection, transaction, $"LOCK TABLE {partition.Quoted} IN SHARE MODE", cancellationToken);
                var since = table.AnyKeptSince(partition.Quoted);
                if (await AnyKeptAsync(connection, transaction, since ?? table.AnyKept(partition.Quoted), table, cutoffs, guards, since is null ? null : horizon,
                        cancellationToken))
                    return Outcome.Kept;
                await ExecuteAsync(connection, transaction, $"TRUNCATE {partition.Quoted}", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", cancellationToken);
                await ExecuteAsync(connection, transaction, $"LOCK TABLE {parent} IN ACCESS EXCLUSIVE MODE", cancellationToken);
                await using (var empty = new NpgsqlCommand($"SELECT NOT EXISTS (SELECT 1 FROM {partition.Quoted})", connection, transaction))
                {
                    if (!(bool)(await empty.ExecuteScalarAsync(cancellationToken))!) return Outcome.Kept; // a late row arrived: the batches take it
                }
                await ExecuteAsync(connection, transaction, $"DROP TABLE {partition.Quoted}", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            return Outcome.Dropped;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.QueryCanceled)
        {
            return Outcome.Busy;
        }
    }

    private static async Task<bool> AnyKeptAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, RetainedTable table,
        IReadOnlyList<RetentionCutoff> cutoffs, RetentionGuards guards, string? since, CancellationToken cancellationToken)
    {
        await using var kept = new NpgsqlCommand(sql, connection, transaction);
        RetentionStatements.AddCutoffs(kept, cutoffs);
        if (table.Guards is not null) guards.AddTo(kept);
        if (since is not null) kept.Parameters.AddWithValue(since);
        return (bool)(await kept.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
