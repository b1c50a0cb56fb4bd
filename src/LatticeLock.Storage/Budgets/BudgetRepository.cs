using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Commits;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Budgets;

/// <summary>The <c>project_budgets</c> table, and month-to-date spend from <c>model_requests</c>.</summary>
public sealed class BudgetRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    public async Task<BudgetSettings?> FindAsync(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT monthly_usd, alert_thresholds_pct, webhook_url FROM project_budgets WHERE project_id = $1");
        command.Parameters.AddWithValue(projectId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new BudgetSettings(reader.GetDecimal(0), reader.GetFieldValue<int[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>Stores the project's budget settings with their audit row (<c>budget.set</c>, before and after) in one transaction.</summary>
    public Task UpsertAsync(Guid projectId, BudgetSettings settings, BudgetSettings? before, Guid workspaceId, AuditActor? actor, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO project_budgets (project_id, monthly_usd, alert_thresholds_pct, webhook_url)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (project_id) DO UPDATE
            SET monthly_usd = excluded.monthly_usd, alert_thresholds_pct = excluded.alert_thresholds_pct,
                webhook_url = excluded.webhook_url, updated_at = now()
            """, connection, transaction);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(settings.MonthlyUsd);
        command.Parameters.AddWithValue(settings.AlertThresholdsPct);
        command.Parameters.AddNullable(settings.WebhookUrl, NpgsqlDbType.Text);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (true, true);
    }, new AuditRecord(workspaceId, "budget.set", "project", projectId.ToString(), before, settings, actor), cancellationToken);

    /// <summary>
    /// The project's spend on requests made in [<paramref name="from"/>, <paramref name="to"/>), and the ids of those
    /// among them committed in the last <paramref name="recent"/> (so a caller can tell which late notifications the
    /// sum already holds).
    /// </summary>
    /// <summary>
    /// Spend of the project's requests recorded in [<paramref name="from"/>, <paramref name="to"/>) (by recorded_at, the
    /// server's commit time, never the client's requested_at), and the ids of those recorded within the last
    /// <paramref name="recent"/> (they may still report themselves and must not be counted twice).
    /// </summary>
    public async Task<(decimal SpentUsd, Guid[] RecentIds)> SpendAsync(Guid projectId, DateTimeOffset from, DateTimeOffset to, TimeSpan recent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum(coalesce(input_cost_usd, 0) + coalesce(output_cost_usd, 0)), 0),
                   coalesce(array_agg(id) FILTER (WHERE recorded_at > now() - $4), '{}')
            FROM model_requests
            WHERE project_id = $1 AND recorded_at >= $2 AND recorded_at < $3
            """);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddWithValue(recent);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetDecimal(0), reader.GetFieldValue<Guid[]>(1));
    }

    /// <summary>
    /// Which of <paramref name="reservationIds"/> a stored request of the project names (settled, whether or not its
    /// report reached the budget), looking at requests recorded since <paramref name="since"/> (the oldest grant).
    /// </summary>
    public async Task<HashSet<Guid>> SettledReservationsAsync(Guid projectId, IReadOnlyCollection<Guid> reservationIds, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (reservationIds.Count == 0) return [];
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT reservation_id FROM model_requests
            WHERE project_id = $1 AND recorded_at >= $3 AND reservation_id = ANY($2)
            """);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(reservationIds.ToArray());
        command.Parameters.AddWithValue(since);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var settled = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken)) settled.Add(reader.GetGuid(0));
        return settled;
    }
}
