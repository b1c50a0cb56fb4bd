using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Analytics;

/// <summary>
/// Cost and model analytics. Costs come from cost_aggregations (daily rows kept by the aggregates pump), so a query
/// reads at most one row per day and group, never the request history; the model leaderboard too, with latency
/// percentiles from the rows' <see cref="LatencyHistogram"/>s. A caller's query reads only its own rows, through the
/// owner's index (workspace, user or project, then day), behind the workspace wall (<see cref="AnalyticsScope.Reader"/>). Both read a standby when one is configured
/// (<see cref="ReadOnlyDataSource"/>), so they may lag the primary by its replay delay.
/// </summary>
public sealed class CostAnalytics(ReadOnlyDataSource readOnly)
{

    /// <summary>Wire names of <see cref="CostGroupBy"/>, in its order.</summary>
    public static readonly string[] GroupBys = ["day", "provider", "model", "task_type", "user", "project", "service_tier"];

    /// <summary>Longest window a query may ask for: bounds the rows the model leaderboard reads.</summary>
    public const int MaxWindowDays = 366;

    /// <summary>The cost window when none is given: this month to date, in UTC days ([from, to)).</summary>
    public static (DateOnly From, DateOnly To) DefaultCostWindow(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return (new DateOnly(today.Year, today.Month, 1), today.AddDays(1));
    }

    /// <summary>The leaderboard window when none is given: the last 30 UTC days, today included ([from, to)).</summary>
    public static (DateOnly From, DateOnly To) DefaultModelWindow(DateTimeOffset now)
    {
        var tomorrow = DateOnly.FromDateTime(now.UtcDateTime).AddDays(1);
        return (tomorrow.AddDays(-30), tomorrow);
    }

    /// <summary>The <see cref="CostGroupBy"/> of a wire name, or null for an unknown one.</summary>
    public static CostGroupBy? ParseGroupBy(string name) => Array.IndexOf(GroupBys, name) is var i and >= 0 ? (CostGroupBy)i : null;

    public static readonly string[] Sorts =
        ["success_rate", "requests", "p50_latency_ms", "p95_latency_ms", "avg_cost_per_success_usd", "cost_per_1k_tokens_usd"];

    /// <summary>Totals per group over the UTC days [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<List<CostRow>> CostsAsync(DateOnly from, DateOnly to, CostGroupBy groupBy, AnalyticsScope scope, CancellationToken cancellationToken) =>
        readOnly.ReadAsync(scope.Reader, connection => CostsAsync(connection, from, to, groupBy, scope, cancellationToken), cancellationToken);

    private static async Task<List<CostRow>> CostsAsync(NpgsqlConnection connection, DateOnly from, DateOnly to, CostGroupBy groupBy, AnalyticsScope scope, CancellationToken cancellationToken)
    {
        var key = groupBy switch
        {
            CostGroupBy.Day => "to_char(aggregation_date, 'YYYY-MM-DD')",
            CostGroupBy.Provider => "provider",
            CostGroupBy.Model => "model_id",
            CostGroupBy.TaskType => "task_type",
            CostGroupBy.User => "user_id::text",
            CostGroupBy.ServiceTier => "coalesce(service_tier, 'standard')",
            _ => "project_id::text",
        };
        var order = groupBy == CostGroupBy.Day ? "1" : "5 DESC, 1 NULLS LAST";
        await using var command = new NpgsqlCommand($"""
            SELECT {key}, sum(request_count)::bigint, sum(total_input_tokens)::bigint, sum(total_output_tokens)::bigint, sum(total_cost_usd),
                   sum(total_cached_input_tokens)::bigint, sum(total_cache_write_input_tokens)::bigint, sum(total_reasoning_output_tokens)::bigint,
                   sum(total_input_cost_usd), sum(total_output_cost_usd),
                   sum(total_cached_input_cost_usd), sum(total_cache_write_input_cost_usd), sum(total_reasoning_output_cost_usd)
            FROM cost_aggregations
            WHERE aggregation_date >= $1 AND aggregation_date < $2
              {ScopeFilter(scope, "$3", "$4", "$5")}
            GROUP BY 1 ORDER BY {order}
            """, connection);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        AddScope(command, scope);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CostRow>();
        while (await r.ReadAsync(cancellationToken))
            rows.Add(new CostRow(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetDecimal(4),
                r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetDecimal(8), r.GetDecimal(9), r.GetDecimal(10), r.GetDecimal(11), r.GetDecimal(12)));
        return rows;
    }

    /// <summary>Per-model leaderboard over requests made on the UTC days [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<List<ModelLeaderboardRow>> ModelsAsync(DateOnly from, DateOnly to, string? taskType, string sort, AnalyticsScope scope, CancellationToken cancellationToken) =>
        readOnly.ReadAsync(scope.Reader, connection => ModelsAsync(connection, from, to, taskType, sort, scope, cancellationToken), cancellationToken);

    private static async Task<List<ModelLeaderboardRow>> ModelsAsync(NpgsqlConnection connection, DateOnly from, DateOnly to, string? taskType, string sort, AnalyticsScope scope, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT model_id, provider, sum(request_count)::bigint, sum(success_count)::bigint, sum(total_cost_usd),
                   sum(total_input_tokens + total_output_tokens)::bigint,
                   latency_histogram_sum(latency_histogram), min(latency_min_ms), max(latency_max_ms)
            FROM cost_aggregations
            WHERE aggregation_date >= $4 AND aggregation_date < $5 AND ($6::text IS NULL OR task_type = $6)
              {ScopeFilter(scope, "$1", "$2", "$3")}
            GROUP BY model_id, provider
            """, connection);
        AddScope(command, scope);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddNullable(taskType, NpgsqlDbType.Text);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModelLeaderboardRow>();
        while (await r.ReadAsync(cancellationToken))
        {
            var requests = r.GetInt64(2);
            var successes = r.GetInt64(3);
            var cost = r.GetDecimal(4);
            var tokens = r.GetInt64(5);
            double? p50 = null, p95 = null;
            if (!r.IsDBNull(6))
            {
                var histogram = r.GetFieldValue<long[]>(6);
                var (min, max) = (r.GetInt32(7), r.GetInt32(8));
                p50 = LatencyHistogram.Quantile(histogram, min, max, 0.50);
                p95 = LatencyHistogram.Quantile(histogram, min, max, 0.95);
            }
            rows.Add(new ModelLeaderboardRow(r.GetString(0), r.GetString(1), requests, (decimal)successes / requests, p50, p95,
                successes == 0 ? null : decimal.Round(cost / successes, 8),
                tokens == 0 ? null : decimal.Round(cost / tokens * 1000m, 8),
                null));
        }
        return Sort(rows, sort);
    }

    private static List<ModelLeaderboardRow> Sort(List<ModelLeaderboardRow> rows, string sort)
    {
        IOrderedEnumerable<ModelLeaderboardRow> ordered = sort switch
        {
            "requests" => rows.OrderByDescending(r => r.Requests),
            "p50_latency_ms" => rows.OrderBy(r => r.P50LatencyMs ?? double.MaxValue),
            "p95_latency_ms" => rows.OrderBy(r => r.P95LatencyMs ?? double.MaxValue),
            "avg_cost_per_success_usd" => rows.OrderBy(r => r.AvgCostPerSuccessUsd ?? decimal.MaxValue),
            "cost_per_1k_tokens_usd" => rows.OrderBy(r => r.CostPer1kTokensUsd ?? decimal.MaxValue),
            _ => rows.OrderByDescending(r => r.SuccessRate).ThenBy(r => r.AvgCostPerSuccessUsd ?? decimal.MaxValue),
        };
        return [.. ordered.ThenBy(r => r.ModelId, StringComparer.Ordinal).ThenBy(r => r.Provider, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The owner's conditions, only those that apply: a literal filter lets the planner use the owner's index
    /// (idx_cost_agg_workspace, idx_cost_agg_user or idx_cost_agg_project), where "($1 IS NULL OR user_id = $1)" would
    /// not in a generic plan.
    /// </summary>
    private static string ScopeFilter(AnalyticsScope scope, string workspace, string user, string project) =>
        (scope.WorkspaceId is null ? "" : $"AND workspace_id = {workspace}::uuid ") +
        (scope.UserId is null ? "" : $"AND user_id = {user}::uuid ") + (scope.ProjectId is null ? "" : $"AND project_id = {project}::uuid");

    private static void AddScope(NpgsqlCommand command, AnalyticsScope scope)
    {
        command.Parameters.AddNullable(scope.WorkspaceId, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(scope.UserId, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(scope.ProjectId, NpgsqlDbType.Uuid);
    }
}
