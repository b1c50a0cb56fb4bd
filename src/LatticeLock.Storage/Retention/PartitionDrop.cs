using Npgsql;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// Drops a month's partition whose every row has expired, in two short transactions so ingest into the other months
/// never waits on a scan:
/// <list type="number">
/// <item>lock the partition in SHARE mode (readers go on; a late row for that month waits), check that no row in it
/// is kept, and TRUNCATE it (its space is freed at once);</item>
/// <item>lock the parent table (the lock a DROP of a partition needs; taken first so it cannot deadlock with an insert
/// that holds the parent and waits for the partition), check that the partition is still empty (a late row may have
/// arrived between the two), and DROP it.</item>
/// </list>
/// Each lock waits at most <see cref="LockTimeout"/>; a busy table is tried again at the next pass.
/// </summary>
public static class PartitionDrop
{
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);

    public enum Outcome { Dropped, Kept, Busy }

    public static async Task<Outcome> TryAsync(NpgsqlDataSource dataSource, RetainedTable table, TablePartition partition,
        IReadOnlyList<RetentionCutoff> cutoffs, RetentionGuards guards, CancellationToken cancellationToken)
    {
        var parent = TablePartition.Quote(table.Partitioned!.Name);
        try
        {
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", cancellationToken);
                await ExecuteAsync(connection, transaction, $"LOCK TABLE {partition.Quoted} IN SHARE MODE", cancellationToken);
                await using (var kept = new NpgsqlCommand(table.AnyKept(partition.Quoted), connection, transaction))
                {
                    RetentionStatements.AddCutoffs(kept, cutoffs);
                    if (table.Guards is not null) guards.AddTo(kept);
                    if ((bool)(await kept.ExecuteScalarAsync(cancellationToken))!) return Outcome.Kept;
                }
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
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected)
        {
            return Outcome.Busy;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
