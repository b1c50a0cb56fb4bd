using LatticeLock.Storage.Commits;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Budgets;

/// <summary>
/// The <c>budget_reservations</c> table: a project's live reservations, loaded by its grain on activation and changed
/// through <see cref="ConfirmedCommit"/> (a grant is acknowledged only once committed, and confirmed by a synchronous
/// standby when one is configured). A reservation's row outlives it by <see cref="EndedRetention"/>, so a retry of its
/// id is recognised.
/// </summary>
public sealed class BudgetReservationRepository(NpgsqlDataSource dataSource)
{
    /// <summary>How long the row of an ended reservation (settled, released, expired) is kept to answer retries of its id.</summary>
    public static readonly TimeSpan EndedRetention = TimeSpan.FromDays(2);

    /// <summary>The project's reservations that have not expired at <paramref name="now"/>.</summary>
    public async Task<List<StoredReservation>> LiveAsync(Guid projectId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, estimated_cost_usd, granted_at, expires_at FROM budget_reservations
            WHERE project_id = $1 AND expires_at > $2 AND ended_at IS NULL ORDER BY expires_at, id
            """);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var live = new List<StoredReservation>();
        while (await reader.ReadAsync(cancellationToken))
            live.Add(new StoredReservation(reader.GetGuid(0), reader.GetDecimal(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return live;
    }

    /// <summary>Whether the project ever held reservation <paramref name="id"/> (within <see cref="EndedRetention"/> of its end).</summary>
    public async Task<bool> ExistsAsync(Guid projectId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM budget_reservations WHERE project_id = $1 AND id = $2)");
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// One commit for the project's changes: <paramref name="added"/> stored, <paramref name="removed"/> (released,
    /// settled) marked ended at <paramref name="now"/>, and rows ended (or expired) over <see cref="EndedRetention"/> ago deleted.
    /// </summary>
    public async Task ApplyAsync(Guid projectId, IReadOnlyList<StoredReservation> added, IReadOnlyList<Guid> removed, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var end = new NpgsqlBatchCommand("UPDATE budget_reservations SET ended_at = $3 WHERE project_id = $1 AND id = ANY($2) AND ended_at IS NULL");
        end.Parameters.AddWithValue(projectId);
        end.Parameters.AddWithValue(removed.ToArray());
        end.Parameters.AddWithValue(now);
        batch.BatchCommands.Add(end);
        var forget = new NpgsqlBatchCommand("DELETE FROM budget_reservations WHERE project_id = $1 AND least(ended_at, expires_at) <= $2");
        forget.Parameters.AddWithValue(projectId);
        forget.Parameters.AddWithValue(now - EndedRetention);
        batch.BatchCommands.Add(forget);
        if (added.Count > 0)
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO budget_reservations (project_id, id, estimated_cost_usd, granted_at, expires_at)
                SELECT $1, r.id, r.cost, r.granted_at, r.expires_at
                FROM unnest($2::uuid[], $3::numeric[], $4::timestamptz[], $5::timestamptz[]) AS r(id, cost, granted_at, expires_at)
                """);
            insert.Parameters.AddWithValue(projectId);
            insert.Parameters.AddWithValue(added.Select(a => a.Id).ToArray());
            insert.Parameters.AddWithValue(added.Select(a => a.EstimatedCostUsd).ToArray());
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = added.Select(a => (object?)a.GrantedAt ?? DBNull.Value).ToArray() });
            insert.Parameters.AddWithValue(added.Select(a => a.ExpiresAt).ToArray());
            batch.BatchCommands.Add(insert);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, cancellationToken);
    }
}

/// <summary>A live budget reservation as stored.</summary>
public sealed record StoredReservation(Guid Id, decimal EstimatedCostUsd, DateTimeOffset? GrantedAt, DateTimeOffset ExpiresAt);
