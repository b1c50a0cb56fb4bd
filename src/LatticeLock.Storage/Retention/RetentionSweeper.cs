using System.Diagnostics;
using LatticeLock.Storage.Sessions;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// One pass of the retention job (docs/retention.md): for each kind of row with a workspace that expires it, each
/// month's partition whose every row has expired is dropped (<see cref="PartitionDrop"/>); in the others (and in the
/// default partition and <c>chat_turns</c>) each workspace's expired rows are deleted by statements of at most
/// <c>batchSize</c> rows, each its own short transaction, so ingest goes on. Traces left without spans go too. Rows
/// the rest of the system still needs stay (<see cref="RetentionGuards"/>). Each pass is recorded in
/// <c>retention_passes</c>; progress goes to the log and to <see cref="RetentionTelemetry"/>.
/// </summary>
public sealed class RetentionSweeper(NpgsqlDataSource dataSource, SessionRepository sessions, TimeProvider clock, ILogger<RetentionSweeper> logger)
{
    /// <summary>Sessions whose checkpoint one pass moves forward per partition (the rest at the next pass).</summary>
    public const int MaxCheckpointsPerPartition = 1000;
    /// <summary>Held-back rows counted per workspace and partition (the report says "at least" beyond).</summary>
    public const int MaxHeldBackCounted = 10_000;
    public const int MinBatchSize = 100;
    public const int MaxBatchSize = 100_000;

    /// <summary>
    /// Runs one pass. <paramref name="turnsRemoved"/> hears the chats that lost turns after each statement (their grains
    /// drop what they cached). Never throws for a database failure: the report carries it, and the next pass resumes.
    /// </summary>
    public async Task<RetentionPassReport> RunPassAsync(int batchSize, Func<IReadOnlyCollection<Guid>, Task>? turnsRemoved, CancellationToken cancellationToken)
    {
        if (batchSize is < MinBatchSize or > MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"must be {MinBatchSize}…{MaxBatchSize}");
        var started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        var pass = new Pass(batchSize, turnsRemoved);
        string? error = null;
        try
        {
            var settings = await RetentionSettings.LoadAsync(dataSource, started, cancellationToken);
            if (!settings.IsEmpty)
            {
                var guards = await RetentionGuards.LoadAsync(dataSource, started, cancellationToken);
                foreach (var table in RetainedTable.All)
                {
                    var cutoffs = settings.For(table.Kind);
                    if (cutoffs.Count == 0) continue;
                    if (table.Partitioned is { } partitioned)
                    {
                        foreach (var partition in await TablePartition.ListAsync(dataSource, partitioned, cancellationToken))
                            await SweepAsync(pass, table, partition, cutoffs, guards, cancellationToken);
                    }
                    else
                    {
                        await SweepAsync(pass, table, new TablePartition(table.Name, null, null), cutoffs, guards, cancellationToken);
                    }
                }
                foreach (var cutoff in settings.For(RetentionKind.Spans)) await RemoveEmptyTracesAsync(pass, cutoff, cancellationToken);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            error = e.Message;
            logger.LogWarning(e, "The retention pass stopped after {Statements} statements; the next pass goes on from what is left", pass.Statements);
        }
        var report = new RetentionPassReport(started, clock.GetUtcNow(), pass.Deleted, pass.Statements, pass.Dropped, pass.HeldBack, error, pass.DeleteTime.Elapsed.TotalSeconds);
        RetentionTelemetry.PassDuration.Record(watch.Elapsed.TotalSeconds);
        if (report.TotalRows > 0 || report.DroppedPartitions.Count > 0)
            logger.LogInformation("Retention pass: deleted {Rows} rows ({Tables}) in {Statements} statements, dropped {Partitions}, {HeldBack} expired rows held back, in {Seconds:0.0} s",
                report.TotalRows, string.Join(", ", report.Deleted.Select(d => $"{d.Key} {d.Value}")), report.Statements,
                report.DroppedPartitions.Count == 0 ? "no partition" : string.Join(", ", report.DroppedPartitions), report.HeldBack, watch.Elapsed.TotalSeconds);
        try
        {
            await new RetentionPassLog(dataSource).RecordAsync(report, cancellationToken);
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not record the retention pass; what it deleted is gone all the same");
        }
        return report;
    }

    private async Task SweepAsync(Pass pass, RetainedTable table, TablePartition partition, IReadOnlyList<RetentionCutoff> cutoffs, RetentionGuards guards,
        CancellationToken cancellationToken)
    {
        // Only workspaces whose cutoff lies inside (or after) this partition's month can have expired rows in it.
        var relevant = partition.From is { } from ? cutoffs.Where(c => c.Before > from).ToList() : cutoffs;
        if (relevant.Count == 0) return;
        if (table == RetainedTable.ModelRequests) await CheckpointSessionsAsync(partition, relevant, cancellationToken);
        if (partition.To is { } to && relevant.Max(c => c.Before) >= to)
        {
            var outcome = await PartitionDrop.TryAsync(dataSource, table, partition, relevant, guards, cancellationToken);
            pass.Statements += 2;
            if (outcome == PartitionDrop.Outcome.Dropped)
            {
                pass.Dropped.Add(partition.Name);
                RetentionTelemetry.PartitionsDropped.Add(1, new KeyValuePair<string, object?>(RetentionTelemetry.TableTag, table.Name));
                logger.LogInformation("Retention: dropped partition {Partition}: every row in it had expired", partition.Name);
                return;
            }
            if (outcome == PartitionDrop.Outcome.Busy) logger.LogInformation("Retention: partition {Partition} was busy; it is tried again at the next pass", partition.Name);
        }
        foreach (var cutoff in relevant)
        {
            long deleted = 0;
            var resumeAt = DateTimeOffset.MinValue;
            while (true)
            {
                (var removed, resumeAt) = await DeleteBatchAsync(pass, table, partition, cutoff, guards, resumeAt, cancellationToken);
                deleted += removed;
                if (removed < pass.BatchSize) break;
                if (pass.Statements % 100 == 0)
                    logger.LogInformation("Retention: {Rows} rows of {Table} deleted so far from {Partition} for workspace {Workspace}", deleted, table.Name, partition.Name, cutoff.WorkspaceId);
            }
            if (table.Guards is not null) pass.HeldBack += await CountHeldBackAsync(table, partition, cutoff, guards, cancellationToken);
        }
    }

    /// <summary>One statement: the rows it deleted, and the time to go on from (the latest it deleted; ties are read again).</summary>
    private async Task<(long Removed, DateTimeOffset From)> DeleteBatchAsync(Pass pass, RetainedTable table, TablePartition partition, RetentionCutoff cutoff,
        RetentionGuards guards, DateTimeOffset from, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(table.DeleteBatch(partition.Quoted));
        RetentionStatements.AddCutoff(command, cutoff);
        if (table.Guards is not null) guards.AddTo(command);
        command.Parameters.AddWithValue(pass.BatchSize);
        if (table.WalkColumn is not null) command.Parameters.AddWithValue(from);
        long removed = 0;
        var next = from;
        var chats = new HashSet<Guid>();
        pass.DeleteTime.Start();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                removed += reader.GetInt64(1);
                if (!reader.IsDBNull(2) && reader.GetFieldValue<DateTimeOffset>(2) is var latest && latest > next) next = latest;
                if (!reader.IsDBNull(0)) chats.Add(reader.GetGuid(0));
            }
        }
        pass.DeleteTime.Stop();
        if (chats.Count > 0 && pass.TurnsRemoved is { } notify) await notify(chats);
        pass.Statements++;
        pass.Add(table.Name, removed);
        return (removed, next);
    }

    private async Task<long> CountHeldBackAsync(RetainedTable table, TablePartition partition, RetentionCutoff cutoff, RetentionGuards guards, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(table.CountHeldBack(partition.Quoted));
        RetentionStatements.AddCutoff(command, cutoff);
        guards.AddTo(command);
        command.Parameters.AddWithValue(MaxHeldBackCounted);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Folds the expired rows of sessions into their checkpoints, so deleting them leaves every total as it was.</summary>
    private async Task CheckpointSessionsAsync(TablePartition partition, IReadOnlyList<RetentionCutoff> cutoffs, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(RetainedTable.SessionsToCheckpoint(partition.Quoted));
        RetentionStatements.AddCutoffs(command, cutoffs);
        command.Parameters.AddWithValue(MaxCheckpointsPerPartition);
        var ids = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
        }
        foreach (var id in ids) await sessions.CheckpointTotalsAsync(id, cancellationToken);
    }

    /// <summary>
    /// Deletes the workspace's traces that no span is left in, batch by batch. Each batch first locks its traces (an
    /// ingest adding a span to one holds that lock until it commits), then deletes those still without spans in a
    /// statement of its own, which sees what such an ingest committed: a trace that just got a span stays.
    /// </summary>
    private async Task RemoveEmptyTracesAsync(Pass pass, RetentionCutoff cutoff, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var users = new List<Guid>();
            var traces = new List<string>();
            await using (var candidates = new NpgsqlCommand("""
                SELECT t.user_id, t.trace_id FROM traces t
                WHERE t.workspace_id = $1 AND t.first_seen_at < $2
                  AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.user_id = t.user_id AND s.trace_id = t.trace_id)
                LIMIT $3 FOR UPDATE SKIP LOCKED
                """, connection, transaction))
            {
                candidates.Parameters.AddWithValue(cutoff.WorkspaceId);
                candidates.Parameters.AddWithValue(cutoff.Before);
                candidates.Parameters.AddWithValue(pass.BatchSize);
                await using var reader = await candidates.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    users.Add(reader.GetGuid(0));
                    traces.Add(reader.GetString(1));
                }
            }
            if (users.Count == 0) return;
            await using var delete = new NpgsqlCommand("""
                DELETE FROM traces t USING unnest($1::uuid[], $2::text[]) AS k(user_id, trace_id)
                WHERE t.user_id = k.user_id AND t.trace_id = k.trace_id
                  AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.user_id = t.user_id AND s.trace_id = t.trace_id)
                """, connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. users], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. traces], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            var removed = await delete.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            pass.Statements += 2;
            pass.Add("traces", removed);
            if (users.Count < pass.BatchSize) return;
        }
    }

    private sealed class Pass(int batchSize, Func<IReadOnlyCollection<Guid>, Task>? turnsRemoved)
    {
        public int BatchSize { get; } = batchSize;
        public Func<IReadOnlyCollection<Guid>, Task>? TurnsRemoved { get; } = turnsRemoved;
        public Dictionary<string, long> Deleted { get; } = new() { ["model_requests"] = 0, ["spans"] = 0, ["traces"] = 0, ["chat_turns"] = 0 };
        public List<string> Dropped { get; } = [];
        public int Statements { get; set; }
        public long HeldBack { get; set; }
        public Stopwatch DeleteTime { get; } = new();

        public void Add(string table, long rows)
        {
            if (rows == 0) return;
            Deleted[table] += rows;
            RetentionTelemetry.RowsDeleted.Add(rows, new KeyValuePair<string, object?>(RetentionTelemetry.TableTag, table));
        }
    }
}
