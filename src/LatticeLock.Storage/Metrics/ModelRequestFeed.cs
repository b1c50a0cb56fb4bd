using LatticeLock.Metrics.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Metrics;

/// <summary>Reads model_requests as metric points, in commit-safe (xact_id, id) order after a cursor.</summary>
public sealed class ModelRequestFeed(NpgsqlDataSource dataSource)
{
    /// <summary>The id the next transaction will get: every row committed so far was written by a transaction below it.</summary>
    public async Task<ulong> NextTransactionIdAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_snapshot_xmax(pg_current_snapshot())");
        return (ulong)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>True once every transaction below <paramref name="xid"/> has finished, so all their rows are readable by the feed.</summary>
    public async Task<bool> AllFinishedBelowAsync(ulong xid, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1");
        command.Parameters.Add(new NpgsqlParameter { Value = xid, NpgsqlDbType = NpgsqlDbType.Xid8 });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<MetricBatch> ReadAfterAsync(MetricCursor after, int limit, CancellationToken cancellationToken)
    {
        // Only rows of transactions older than the oldest one still running: those can no longer change.
        await using var command = dataSource.CreateCommand("""
            SELECT xact_id, id, requested_at, project_id, user_id, session_id, provider, model_id, task_type, status, latency_ms,
                   input_tokens, output_tokens,
                   CASE WHEN input_cost_usd IS NULL AND output_cost_usd IS NULL THEN NULL
                        ELSE coalesce(input_cost_usd, 0) + coalesce(output_cost_usd, 0) END,
                   cached_input_tokens, cache_write_input_tokens, reasoning_output_tokens, nullif(service_tier, 'standard'),
                   input_cost_usd, output_cost_usd, (SELECT generation FROM cost_reprice_state),
                   price_id, cache_write_1h_input_tokens, workspace_id
            FROM model_requests
            WHERE (xact_id, id) > ($1, $2) AND xact_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY xact_id, id
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = after.XactId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.AddWithValue(after.RequestId);
        command.Parameters.AddWithValue(limit);
        var points = new List<MetricPoint>();
        var last = after;
        long generation = 0;
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            last = new MetricCursor(r.GetFieldValue<ulong>(0), r.GetGuid(1));
            points.Add(new MetricPoint(
                last.RequestId, r.GetFieldValue<DateTimeOffset>(2),
                r.IsDBNull(3) ? null : r.GetGuid(3), r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetGuid(5),
                r.GetString(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetString(9),
                r.IsDBNull(10) ? null : r.GetInt32(10), r.GetInt32(11), r.GetInt32(12), r.IsDBNull(13) ? null : r.GetDecimal(13))
            {
                CachedInputTokens = r.IsDBNull(14) ? 0 : r.GetInt32(14),
                CacheWriteInputTokens = r.IsDBNull(15) ? 0 : r.GetInt32(15),
                ReasoningOutputTokens = r.IsDBNull(16) ? 0 : r.GetInt32(16),
                ServiceTier = r.IsDBNull(17) ? null : r.GetString(17),
                InputCostUsd = r.IsDBNull(18) ? null : r.GetDecimal(18),
                OutputCostUsd = r.IsDBNull(19) ? null : r.GetDecimal(19),
                Version = (long)last.XactId,
                PriceId = r.IsDBNull(21) ? null : r.GetInt64(21),
                CacheWrite1hInputTokens = r.IsDBNull(22) ? 0 : r.GetInt32(22),
                WorkspaceId = r.IsDBNull(23) ? null : r.GetGuid(23),
            });
            generation = r.GetInt64(20);
        }
        return new MetricBatch(after, last, points) { CostGeneration = generation };
    }
}
