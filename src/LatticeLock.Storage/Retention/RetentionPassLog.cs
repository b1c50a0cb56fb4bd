using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Retention;

/// <summary><c>retention_passes</c>: one row per pass of the retention job (the newest <see cref="KeptPasses"/> are kept).</summary>
public sealed class RetentionPassLog(NpgsqlDataSource dataSource)
{
    public const int KeptPasses = 1000;

    /// <summary>The newest passes, newest first.</summary>
    public async Task<IReadOnlyList<RetentionPassReport>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT started_at, finished_at, model_requests, spans, traces, chat_turns, statements, dropped_partitions, held_back, error
            FROM retention_passes ORDER BY id DESC LIMIT $1
            """);
        command.Parameters.AddWithValue(Math.Clamp(limit, 1, KeptPasses));
        var passes = new List<RetentionPassReport>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var deleted = new Dictionary<string, long>
            {
                ["model_requests"] = reader.GetInt64(2), ["spans"] = reader.GetInt64(3), ["traces"] = reader.GetInt64(4), ["chat_turns"] = reader.GetInt64(5),
            };
            passes.Add(new RetentionPassReport(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), deleted, reader.GetInt32(6),
                reader.GetFieldValue<string[]>(7), reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return passes;
    }

    /// <summary>Records the pass and prunes the oldest beyond <see cref="KeptPasses"/>.</summary>
    public async Task RecordAsync(RetentionPassReport report, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO retention_passes (started_at, finished_at, model_requests, spans, traces, chat_turns, statements, dropped_partitions, held_back, error)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """);
        insert.Parameters.AddWithValue(report.StartedAt);
        insert.Parameters.AddWithValue(report.FinishedAt);
        insert.Parameters.AddWithValue(report.Rows("model_requests"));
        insert.Parameters.AddWithValue(report.Rows("spans"));
        insert.Parameters.AddWithValue(report.Rows("traces"));
        insert.Parameters.AddWithValue(report.Rows("chat_turns"));
        insert.Parameters.AddWithValue(report.Statements);
        insert.Parameters.AddWithValue(report.DroppedPartitions.ToArray());
        insert.Parameters.AddWithValue(report.HeldBack);
        insert.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = report.Error, NpgsqlDbType = NpgsqlDbType.Text });
        var prune = new NpgsqlBatchCommand("DELETE FROM retention_passes WHERE id <= (SELECT max(id) FROM retention_passes) - $1");
        prune.Parameters.AddWithValue(KeptPasses);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(prune);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
