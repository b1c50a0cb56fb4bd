using LatticeLock.Storage.Commits;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Sessions;

/// <summary>
/// The <c>sessions</c> table (the one store of a session; its version column makes a stale activation's write fail)
/// and the per-session sums over <c>model_requests</c>.
/// </summary>
public sealed class SessionRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Inserts the session at version 1 and returns the row as stored (metadata as PostgreSQL normalises it, so the
    /// grain serves exactly what a later activation reads); null when a row with this id exists already, once a
    /// synchronous standby holds that row too.
    /// </summary>
    public async Task<SessionRow?> InsertAsync(Guid id, Guid userId, Guid? projectId, Guid workspaceId, string? metadataJson, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO sessions (id, user_id, project_id, metadata, started_at, created_at, updated_at, version, workspace_id)
            VALUES ($1, $2, $3, coalesce($4, '{}'::jsonb), $5, $5, $5, 1, $6) ON CONFLICT (id) DO NOTHING
            RETURNING metadata::text
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue((object?)projectId ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)metadataJson ?? DBNull.Value });
        command.Parameters.AddWithValue(startedAt);
        command.Parameters.AddWithValue(workspaceId);
        if (await ConfirmedCommit.ExecuteScalarAsync(command, dataSource.ConnectionString, cancellationToken) is not string stored)
        {
            await SynchronousBarrier.PassAsync(dataSource, cancellationToken);
            return null;
        }
        return new SessionRow(userId, projectId, workspaceId, stored == "{}" ? null : stored, startedAt, null);
    }

    /// <summary>Ends the session if the row is still active at <paramref name="expectedVersion"/>; false otherwise.</summary>
    public async Task<bool> EndAsync(Guid id, DateTimeOffset endedAt, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sessions SET status = 'ended', ended_at = $2, updated_at = $2, version = version + 1
            WHERE id = $1 AND status = 'active' AND version = $3
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(endedAt);
        command.Parameters.AddWithValue(expectedVersion);
        return await ConfirmedCommit.ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken) == 1;
    }

    public async Task<SessionRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT user_id, project_id, metadata::text, started_at, ended_at, version, workspace_id FROM sessions WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var metadata = reader.GetString(2);
        return new SessionRow(
            reader.GetGuid(0),
            reader.IsDBNull(1) ? null : reader.GetGuid(1),
            reader.GetGuid(6),
            metadata == "{}" ? null : metadata,
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetInt32(5));
    }

    /// <summary>
    /// The session's totals: its checkpoint plus the rows written at or after the checkpoint's horizon, so the cost
    /// does not grow with the session's history (only with the rows since the last <see cref="CheckpointTotalsAsync"/>).
    /// </summary>
    public async Task<SessionTotals> LoadTotalsAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.totals_request_count + d.n, s.totals_input_tokens + d.i, s.totals_output_tokens + d.o, s.totals_cost_usd + d.c,
                   ARRAY(SELECT DISTINCT x FROM unnest(s.totals_models || d.models) x ORDER BY x LIMIT 64), -- Limits.MaxSessionModels
                   greatest(s.totals_last_request_at, d.last), d.n
            FROM sessions s CROSS JOIN LATERAL (
                SELECT count(*) AS n, coalesce(sum(m.input_tokens), 0)::bigint AS i, coalesce(sum(m.output_tokens), 0)::bigint AS o,
                       coalesce(sum(m.total_cost_usd), 0) AS c, coalesce(array_agg(DISTINCT m.model_id), '{}') AS models, max(m.recorded_at) AS last
                FROM model_requests m WHERE m.session_id = s.id AND m.xact_id >= s.totals_xmin) d
            WHERE s.id = $1
            """);
        command.Parameters.AddWithValue(sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return SessionTotals.Empty;
        return new SessionTotals(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDecimal(3),
            reader.GetFieldValue<string[]>(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5))
        {
            RowsSinceCheckpoint = reader.GetInt64(6),
        };
    }

    /// <summary>
    /// Moves the session's checkpoint forward: adds the rows written by transactions between the old horizon and the
    /// oldest transaction still running now (all finished, so that set never changes again) and records the new horizon.
    /// The cost is the rows since the previous checkpoint. Returns the rows it folded in. The row is locked by a
    /// statement of its own first, so the sum's snapshot is taken after any reprice that holds it has committed
    /// (<see cref="Prices.CostRepricer"/> moves rows past the horizon while it holds the lock).
    /// </summary>
    public async Task<long> CheckpointTotalsAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM sessions WHERE id = $1 FOR NO KEY UPDATE", connection, transaction))
        {
            lockRow.Parameters.AddWithValue(sessionId);
            await lockRow.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand("""
            WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),
            s AS (SELECT id, totals_xmin FROM sessions WHERE id = $1 FOR UPDATE),
            d AS (SELECT count(*) AS n, coalesce(sum(m.input_tokens), 0)::bigint AS i, coalesce(sum(m.output_tokens), 0)::bigint AS o,
                         coalesce(sum(m.total_cost_usd), 0) AS c, coalesce(array_agg(DISTINCT m.model_id), '{}') AS models, max(m.recorded_at) AS last
                  FROM s, h, model_requests m
                  WHERE m.session_id = s.id AND m.xact_id >= s.totals_xmin AND m.xact_id < h.x)
            UPDATE sessions t
            SET totals_request_count = t.totals_request_count + d.n, totals_input_tokens = t.totals_input_tokens + d.i,
                totals_output_tokens = t.totals_output_tokens + d.o, totals_cost_usd = t.totals_cost_usd + d.c,
                totals_models = ARRAY(SELECT DISTINCT x FROM unnest(t.totals_models || d.models) x ORDER BY x LIMIT 64), -- Limits.MaxSessionModels
                totals_last_request_at = greatest(t.totals_last_request_at, d.last), totals_xmin = h.x
            FROM s, h, d
            WHERE t.id = s.id AND h.x > s.totals_xmin
            RETURNING d.n
            """, connection, transaction);
        command.Parameters.AddWithValue(sessionId);
        var folded = await command.ExecuteScalarAsync(cancellationToken) is long n ? n : 0;
        await transaction.CommitAsync(cancellationToken);
        return folded;
    }
}
