using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Analytics;

/// <summary>
/// Cost and model analytics. Costs come from cost_aggregations (daily rows kept by the aggregates pump), so a query
/// reads at most one row per day and group, never the request history. The model leaderboard needs exact latency
/// percentiles, so it reads the window's model_requests through the (task_type, requested_at) index. Both read a
/// standby when one is configured (<see cref="ReadOnlyDataSource"/>), so they may lag the primary by its replay delay.
/// </summary>
public sealed class CostAnalytics(ReadOnlyDataSource readOnly)
{

    /// <summary>Wire names of <see cref="CostGroupBy"/>, in its order.</summary>
    public static readonly string[] GroupBys = ["day", "provider", "model", "task_type", "user", "project"];

    /// <summary>Longest window a query may ask for: bounds the rows the model leaderboard reads.</summary>
    public const int MaxWindowDays = 366;

    /// <summary>The cost window when none is given: this month to date, in UTC days ([from, to)).</summary>
    public static (DateOnly From, DateOnly To) DefaultCostWindow(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return (new DateOnly(today.Year, today.Month, 1), today.AddDays(1));
    }

    /// <summary>The leaderboard window when none is given: the last 30 days.</summary>
    public static readonly TimeSpan DefaultModelWindow = TimeSpan.FromDays(30);

    /// <summary>The <see cref="CostGroupBy"/> of a wire name, or null for an unknown one.</summary>
    public static CostGroupBy? ParseGroupBy(string name) => Array.IndexOf(GroupBys, name) is var i and >= 0 ? (CostGroupBy)i : null;

    public static readonly string[] Sorts =
        ["success_rate", "requests", "p50_latency_ms", "p95_latency_ms", "avg_cost_per_success_usd", "cost_per_1k_tokens_usd"];

    /// <summary>Totals per group over the UTC days [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<List<CostRow>> CostsAsync(DateOnly from, DateOnly to, CostGroupBy groupBy, AnalyticsScope scope, CancellationToken cancellationToken) =>
        readOnly.ReadAsync(source => CostsAsync(source, from, to, groupBy, scope, cancellationToken));

    private static async Task<List<CostRow>> CostsAsync(NpgsqlDataSource source, DateOnly from, DateOnly to, CostGroupBy groupBy, AnalyticsScope scope, CancellationToken cancellationToken)
    {
        var key = groupBy switch
        {
            CostGroupBy.Day => "to_char(aggregation_date, 'YYYY-MM-DD')",
            CostGroupBy.Provider => "provider",
            CostGroupBy.Model => "model_id",
            CostGroupBy.TaskType => "task_type",
            CostGroupBy.User => "user_id::text",
            _ => "project_id::text",
        };
        var order = groupBy == CostGroupBy.Day ? "1" : "5 DESC, 1 NULLS LAST";
        await using var command = source.CreateCommand($"""
            SELECT {key}, sum(request_count)::bigint, sum(total_input_tokens)::bigint, sum(total_output_tokens)::bigint, sum(total_cost_usd)
            FROM cost_aggregations
            WHERE aggregation_date >= $1 AND aggregation_date < $2
              AND ($3::uuid IS NULL OR user_id = $3) AND ($4::uuid IS NULL OR project_id = $4)
            GROUP BY 1 ORDER BY {order}
            """);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        AddScope(command, scope);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CostRow>();
        while (await r.ReadAsync(cancellationToken))
            rows.Add(new CostRow(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetDecimal(4)));
        return rows;
    }

    /// <summary>Per-model leaderboard over requests made in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<List<ModelLeaderboardRow>> ModelsAsync(DateTimeOffset from, DateTimeOffset to, string? taskType, string sort, AnalyticsScope scope, CancellationToken cancellationToken) =>
        readOnly.ReadAsync(source => ModelsAsync(source, from, to, taskType, sort, scope, cancellationToken));

    private static async Task<List<ModelLeaderboardRow>> ModelsAsync(NpgsqlDataSource source, DateTimeOffset from, DateTimeOffset to, string? taskType, string sort, AnalyticsScope scope, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("""
            SELECT model_id, provider, count(*), count(*) FILTER (WHERE status = 'success'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),
                   sum(coalesce(input_cost_usd, 0) + coalesce(output_cost_usd, 0)), sum(input_tokens::bigint + output_tokens)::bigint
            FROM model_requests
            WHERE requested_at >= $3 AND requested_at < $4 AND ($5::text IS NULL OR task_type = $5)
              AND ($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR project_id = $2)
            GROUP BY model_id, provider
            """);
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
            var cost = r.GetDecimal(6);
            var tokens = r.GetInt64(7);
            rows.Add(new ModelLeaderboardRow(r.GetString(0), r.GetString(1), requests, (decimal)successes / requests,
                r.IsDBNull(4) ? null : r.GetDouble(4), r.IsDBNull(5) ? null : r.GetDouble(5),
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

    private static void AddScope(NpgsqlCommand command, AnalyticsScope scope)
    {
        command.Parameters.AddNullable(scope.UserId, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(scope.ProjectId, NpgsqlDbType.Uuid);
    }
}
