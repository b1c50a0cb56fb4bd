using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Storage.Prices;
using LatticeLock.Storage.Analytics;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Metrics;

/// <summary>
/// Keeps cost_aggregations current: each batch of new model requests is summed per (UTC day, user, project, provider,
/// model, task type, service tier) and added to the stored rows in the same transaction that advances the cursor, so every request
/// is counted exactly once. Each row also keeps a <see cref="LatencyHistogram"/> of its latencies (summed bucket by
/// bucket), so latency percentiles of any window come from these rows as well. A request a reprice corrected here
/// directly (<see cref="Prices.CostRepricer"/>) is met again at its new feed position and skipped once; a batch read
/// before a reprice chunk committed is refused and read again, so its costs are the corrected ones.
/// </summary>
public sealed class CostAggregationConsumer(NpgsqlDataSource dataSource, MetricCursorStore cursors, PriceRows priceRows) : IMetricConsumer
{
    public const string ConsumerName = "aggregates";

    public string Name => ConsumerName;

    public async Task<MetricConsumeResult> ConsumeAsync(MetricBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Waits for a reprice chunk in progress; a batch read under an older generation may hold costs it changed.
        await using (var generation = new NpgsqlCommand("SELECT generation FROM cost_reprice_state FOR SHARE", connection, transaction))
        {
            if ((long)(await generation.ExecuteScalarAsync(cancellationToken))! != batch.CostGeneration)
            {
                await transaction.RollbackAsync(cancellationToken);
                return new MetricConsumeResult(false, 0, 0);
            }
        }
        var corrected = new HashSet<Guid>();
        await using (var skip = new NpgsqlCommand("DELETE FROM cost_corrections WHERE request_id = ANY($1) RETURNING request_id", connection, transaction))
        {
            skip.Parameters.AddWithValue(batch.Points.Select(p => p.RequestId).ToArray());
            await using var reader = await skip.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) corrected.Add(reader.GetGuid(0));
        }
        var counted = batch.Points.Where(p => !corrected.Contains(p.RequestId)).ToList();
        // The cost of cache reads, cache writes and reasoning, from each table-priced request's price row.
        var classCosts = new Dictionary<Guid, ClassCosts>();
        foreach (var p in counted)
        {
            var costs = await priceRows.ClassCostsAsync(p.PriceId, p.Provider, p.ModelId, p.Time, p.InputTokens, p.OutputTokens, p.CachedInputTokens,
                p.CacheWriteInputTokens, p.CacheWrite1hInputTokens, p.ReasoningOutputTokens, PriceRows.Tier(p.ServiceTier), cancellationToken);
            if (costs != ClassCosts.None) classCosts[p.RequestId] = costs;
        }
        ClassCosts ClassCostsOf(MetricPoint p) => classCosts.GetValueOrDefault(p.RequestId, ClassCosts.None);
        var groups = counted
            .GroupBy(p => (Day: DateOnly.FromDateTime(p.Time.UtcDateTime), p.WorkspaceId, p.UserId, p.ProjectId, p.Provider, p.ModelId, p.TaskType, p.ServiceTier))
            .Select(g => (g.Key, Requests: (long)g.Count(), Successes: (long)g.Count(p => p.IsSuccess),
                Input: g.Sum(p => (long)p.InputTokens), Output: g.Sum(p => (long)p.OutputTokens), Cost: g.Sum(p => p.CostUsd ?? 0m),
                LatencyCount: (long)g.Count(p => p.LatencyMs is not null), LatencySum: g.Sum(p => (long)(p.LatencyMs ?? 0)),
                LatencyMin: g.Min(p => p.LatencyMs), LatencyMax: g.Max(p => p.LatencyMs),
                Cached: g.Sum(p => (long)p.CachedInputTokens), Written: g.Sum(p => (long)p.CacheWriteInputTokens),
                Reasoning: g.Sum(p => (long)p.ReasoningOutputTokens),
                InputCost: g.Sum(p => p.InputCostUsd ?? 0m), OutputCost: g.Sum(p => p.OutputCostUsd ?? 0m),
                Classes: g.Aggregate(ClassCosts.None, (sum, p) => sum + ClassCostsOf(p)), Points: g))
            .ToList();
        // One histogram per group, laid end to end: the statement slices group i's out of the flat array.
        var width = LatencyHistogram.Length;
        var histograms = new long[groups.Count * width];
        for (var i = 0; i < groups.Count; i++)
        {
            foreach (var point in groups[i].Points)
                if (point.LatencyMs is { } latency) histograms[i * width + LatencyHistogram.Bucket(latency)]++;
        }

        if (groups.Count > 0)
        {
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO cost_aggregations AS a (aggregation_date, user_id, project_id, provider, model_id, task_type, request_count,
                    success_count, error_count, total_input_tokens, total_output_tokens, total_cost_usd, latency_count, latency_sum_ms,
                    latency_min_ms, latency_max_ms, latency_histogram, service_tier, total_cached_input_tokens,
                    total_cache_write_input_tokens, total_reasoning_output_tokens, total_input_cost_usd, total_output_cost_usd,
                    total_cached_input_cost_usd, total_cache_write_input_cost_usd, total_reasoning_output_cost_usd, workspace_id)
                SELECT d, u, p, pr, m, t, n, s, n - s, i, o, c, lc, ls, mn, mx,
                       CASE WHEN lc > 0 THEN ($16::bigint[])[(g - 1) * $17 + 1 : g * $17] END, st, ci, cw, ro, ic, oc, cic, cwc, roc, w
                FROM unnest($1::date[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
                            $9::bigint[], $10::bigint[], $11::numeric[], $12::bigint[], $13::bigint[], $14::integer[], $15::integer[],
                            $18::text[], $19::bigint[], $20::bigint[], $21::bigint[], $22::numeric[], $23::numeric[],
                            $24::numeric[], $25::numeric[], $26::numeric[], $27::uuid[])
                     WITH ORDINALITY AS x (d, u, p, pr, m, t, n, s, i, o, c, lc, ls, mn, mx, st, ci, cw, ro, ic, oc, cic, cwc, roc, w, g)
                ON CONFLICT ON CONSTRAINT cost_aggregations_group_key DO UPDATE SET
                    request_count = a.request_count + excluded.request_count,
                    success_count = a.success_count + excluded.success_count,
                    error_count = a.error_count + excluded.error_count,
                    total_input_tokens = a.total_input_tokens + excluded.total_input_tokens,
                    total_output_tokens = a.total_output_tokens + excluded.total_output_tokens,
                    total_cost_usd = a.total_cost_usd + excluded.total_cost_usd,
                    latency_count = a.latency_count + excluded.latency_count,
                    latency_sum_ms = a.latency_sum_ms + excluded.latency_sum_ms,
                    total_cached_input_tokens = a.total_cached_input_tokens + excluded.total_cached_input_tokens,
                    total_cache_write_input_tokens = a.total_cache_write_input_tokens + excluded.total_cache_write_input_tokens,
                    total_reasoning_output_tokens = a.total_reasoning_output_tokens + excluded.total_reasoning_output_tokens,
                    total_input_cost_usd = a.total_input_cost_usd + excluded.total_input_cost_usd,
                    total_output_cost_usd = a.total_output_cost_usd + excluded.total_output_cost_usd,
                    total_cached_input_cost_usd = a.total_cached_input_cost_usd + excluded.total_cached_input_cost_usd,
                    total_cache_write_input_cost_usd = a.total_cache_write_input_cost_usd + excluded.total_cache_write_input_cost_usd,
                    total_reasoning_output_cost_usd = a.total_reasoning_output_cost_usd + excluded.total_reasoning_output_cost_usd,
                    latency_min_ms = least(a.latency_min_ms, excluded.latency_min_ms),
                    latency_max_ms = greatest(a.latency_max_ms, excluded.latency_max_ms),
                    latency_histogram = coalesce(latency_histogram_add(a.latency_histogram, excluded.latency_histogram),
                                                 a.latency_histogram, excluded.latency_histogram),
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
            upsert.Parameters.Add(new NpgsqlParameter { Value = groups.Select(g => g.LatencyMin).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            upsert.Parameters.Add(new NpgsqlParameter { Value = groups.Select(g => g.LatencyMax).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            upsert.Parameters.AddWithValue(histograms);
            upsert.Parameters.AddWithValue(width);
            upsert.Parameters.Add(new NpgsqlParameter { Value = groups.Select(g => g.Key.ServiceTier).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            upsert.Parameters.AddWithValue(groups.Select(g => g.Cached).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Written).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Reasoning).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.InputCost).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.OutputCost).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Classes.CachedInputUsd).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Classes.CacheWriteInputUsd).ToArray());
            upsert.Parameters.AddWithValue(groups.Select(g => g.Classes.ReasoningOutputUsd).ToArray());
            upsert.Parameters.Add(Nullable(groups.Select(g => g.Key.WorkspaceId)));
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

    private static NpgsqlParameter Nullable(IEnumerable<Guid?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
}
