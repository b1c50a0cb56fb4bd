using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Budgets;

/// <summary>
/// The <c>alert_events</c> table. Its unique (project, period, threshold) key is what makes an alert fire once per
/// threshold per month, whatever the concurrency or restarts; the table doubles as the webhook delivery queue.
/// </summary>
public sealed class AlertEventRepository(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, project_id, period_start, threshold_pct, spent_usd, monthly_usd, webhook_url, delivery_status, attempts, created_at, last_error, last_status_code";

    public async Task<HashSet<int>> ThresholdsAlertedAsync(Guid projectId, DateOnly periodStart, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT threshold_pct FROM alert_events WHERE project_id = $1 AND period_start = $2");
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(periodStart);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var alerted = new HashSet<int>();
        while (await reader.ReadAsync(cancellationToken)) alerted.Add(reader.GetInt32(0));
        return alerted;
    }

    /// <summary>Inserts the alert unless this threshold already alerted this month; true when this call inserted it.</summary>
    public async Task<bool> TryInsertAsync(Guid projectId, DateOnly periodStart, int thresholdPct, decimal spentUsd, decimal monthlyUsd, string? webhookUrl, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO alert_events (project_id, period_start, threshold_pct, spent_usd, monthly_usd, webhook_url, delivery_status, next_attempt_at)
            VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN 'no_webhook' ELSE 'pending' END,
                    CASE WHEN $6::text IS NULL THEN NULL ELSE now() END)
            ON CONFLICT (project_id, period_start, threshold_pct) DO NOTHING
            """);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(periodStart);
        command.Parameters.AddWithValue(thresholdPct);
        command.Parameters.AddWithValue(spentUsd);
        command.Parameters.AddWithValue(monthlyUsd);
        command.Parameters.AddNullable(webhookUrl, NpgsqlDbType.Text);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<List<AlertEvent>> ListAsync(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM alert_events WHERE project_id = $1 ORDER BY period_start DESC, threshold_pct");
        command.Parameters.AddWithValue(projectId);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending deliveries that are due, leasing them for <paramref name="lease"/>
    /// so another silo's dispatcher skips them meanwhile (a crashed dispatcher's lease simply runs out).
    /// </summary>
    public async Task<List<AlertEvent>> ClaimDueAsync(int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE alert_events SET next_attempt_at = now() + $2
            WHERE id IN (SELECT id FROM alert_events
                         WHERE delivery_status = 'pending' AND next_attempt_at <= now()
                         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(lease);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task MarkDeliveredAsync(long id, int attempts, int statusCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE alert_events SET delivery_status = 'delivered', attempts = $2, last_status_code = $3, last_attempt_at = now(),
                   delivered_at = now(), next_attempt_at = NULL, last_error = NULL
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(attempts);
        command.Parameters.AddWithValue(statusCode);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records a failed attempt: retried after <paramref name="retryAfter"/>, or given up ('failed') when null.</summary>
    public async Task MarkAttemptFailedAsync(long id, int attempts, int? statusCode, string error, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE alert_events SET attempts = $2, last_status_code = $3, last_error = $4, last_attempt_at = now(),
                   delivery_status = CASE WHEN $5::interval IS NULL THEN 'failed' ELSE 'pending' END,
                   next_attempt_at = CASE WHEN $5::interval IS NULL THEN NULL ELSE now() + $5 END
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(attempts);
        command.Parameters.AddNullable(statusCode, NpgsqlDbType.Integer);
        command.Parameters.AddWithValue(error.Length > 2000 ? error[..2000] : error);
        command.Parameters.AddNullable(retryAfter, NpgsqlDbType.Interval);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<AlertEvent>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<AlertEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new AlertEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetFieldValue<DateOnly>(2), reader.GetInt32(3),
                reader.GetDecimal(4), reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7),
                reader.GetInt32(8), reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11)));
        }
        return events;
    }
}
