using LatticeLock.Metrics.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Metrics;

/// <summary>
/// Keeps cost_aggregations current: each batch of new model requests is summed per (UTC day, user, project, provider,
/// model, task type) and added to the stored rows in the same transaction that advances the cursor, so every request
/// is counted exactly once. Days that changed get their p95 latency recomputed by <see cref="MaintainAsync"/>.
/// </summary>
public sealed class CostAggregationConsumer(NpgsqlDataSource dataSource, MetricCursorStore cursors) : IMetricConsumer
{
    public const string ConsumerName = "aggregates";

    public string Name => ConsumerName;

    public async Task<MetricConsumeResult> ConsumeAsync(MetricBatch batch, CancellationToken cancellationToken)
    {
        var groups = batch.Points
            .GroupBy(p => (Day: DateOnly.FromDateTime(p.Time.UtcDateTime), p.UserId, p.ProjectId, p.Provider, p.ModelId, p.TaskType))
            .Select(g => (g.Key, Requests: (long)g.Count(), Successes: (long)g.Count(p => p.IsSuccess),
                Input: g.Sum(p => (long)p.InputTokens), Output: g.Sum(p => (long)p.OutputTokens), Cost: g.Sum(p => p.CostUsd ?? 0m),
                LatencyCount: (long)g.Count(p => p.LatencyMs is not null), LatencySum: g.Sum(p => (long)(p.LatencyMs ?? 0))))
            .ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (groups.Count > 0)
        {
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO cost_aggregations AS a (aggregation_date, user_id, project_id, provider, model_id, task_type, request_count,
                    success_count, error_count, total_input_tokens, total_output_tokens, total_cost_usd, latency_count, latency_sum_ms)
                SELECT d, u, p, pr, m, t, n, s, n - s, i, o, c, lc, ls
                FROM unnest($1::date[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
                            $9::bigint[], $10::bigint[], $11::numeric[], $12::bigint[], $13::bigint[]) AS x (d, u, p, pr, m, t, n, s, i, o, c, lc, ls)
                ON CONFLICT (aggregation_date, user_id, project_id, provider, model_id, task_type) DO UPDATE SET
                    request_count = a.request_count + excluded.request_count,
                    success_count = a.success_count + excluded.success_count,
                    error_count = a.error_count + excluded.error_count,
                    total_input_tokens = a.total_input_tokens + excluded.total_input_tokens,
                    total_output_tokens = a.total_output_tokens + excluded.total_output_tokens,
                    total_cost_usd = a.total_cost_usd + excluded.total_cost_usd,
                    latency_count = a.latency_count + excluded.latency_count,
                    latency_sum_ms = a.latency_sum_ms + excluded.latency_sum_ms,
                    p95_stale = true,
                    updated_at = now()
                """, connection, transaction);
            upsert.Parameters.AddWithValue(groups.Select(g => g.Key.Day).ToArray());
            upsert.Parameters.Add(Nullable(groups.Select(g => g.Key.UserId)));
            upsert.Parameters.Add(Nullable(groups.Select(g => g.Key.ProjectId)));
            upsert.Parameters.AddWithValue(groups.Select(g => g.Key.Provider).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Key.ModelId).ToArray());
            upsert.Parameters.Add(new NpgsqlParameter { Value = groups.Select(g => g.Key.TaskType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.AddWithValue(groups.Select(g => g.Requests).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Successes).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Input).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Output).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Cost).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.LatencyCount).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.LatencySum).ToArray());
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        if (!await cursors.AdvanceAsync(Name, batch.From, batch.To, batch.Points.Count, 0, cancellationToken, connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return new MetricConsumeResult(false, 0, 0);
        }
        await transaction.CommitAsync(cancellationToken);
        return new MetricConsumeResult(true, batch.Points.Count, 0);
    }

    /// <summary>Recomputes p95 latency of the aggregates whose day changed, from that day's model_requests (a time range: the month's partition, narrowed by its BRIN index).</summary>
    public async Task MaintainAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH stale AS (SELECT DISTINCT aggregation_date AS day FROM cost_aggregations WHERE p95_stale),
            computed AS (
                SELECT (m.requested_at AT TIME ZONE 'UTC')::date AS day, m.user_id, m.project_id, m.provider, m.model_id, m.task_type,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY m.latency_ms) AS p95
                FROM model_requests m JOIN stale s
                  ON m.requested_at >= s.day::timestamp AT TIME ZONE 'UTC' AND m.requested_at < (s.day + 1)::timestamp AT TIME ZONE 'UTC'
                GROUP BY 1, 2, 3, 4, 5, 6)
            UPDATE cost_aggregations a SET p95_latency_ms = round(c.p95::numeric, 2), p95_stale = false
            FROM computed c
            WHERE a.p95_stale AND a.aggregation_date = c.day AND a.user_id IS NOT DISTINCT FROM c.user_id
              AND a.project_id IS NOT DISTINCT FROM c.project_id AND a.provider = c.provider AND a.model_id = c.model_id
              AND a.task_type IS NOT DISTINCT FROM c.task_type
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Nullable(IEnumerable<Guid?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
}
