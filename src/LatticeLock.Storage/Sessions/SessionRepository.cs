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
    /// grain serves exactly what a later activation reads); null when a row with this id exists already.
    /// </summary>
    public async Task<SessionRow?> InsertAsync(Guid id, Guid userId, Guid? projectId, string? metadataJson, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO sessions (id, user_id, project_id, metadata, started_at, created_at, updated_at, version)
            VALUES ($1, $2, $3, coalesce($4, '{}'::jsonb), $5, $5, $5, 1) ON CONFLICT (id) DO NOTHING
            RETURNING metadata::text
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue((object?)projectId ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)metadataJson ?? DBNull.Value });
        command.Parameters.AddWithValue(startedAt);
        if (await command.ExecuteScalarAsync(cancellationToken) is not string stored) return null;
        return new SessionRow(userId, projectId, stored == "{}" ? null : stored, startedAt, null);
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
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<SessionRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT user_id, project_id, metadata::text, started_at, ended_at, version FROM sessions WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var metadata = reader.GetString(2);
        return new SessionRow(
            reader.GetGuid(0),
            reader.IsDBNull(1) ? null : reader.GetGuid(1),
            metadata == "{}" ? null : metadata,
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetInt32(5));
    }

    public async Task<SessionTotals> LoadTotalsAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*), coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint,
                   coalesce(sum(total_cost_usd), 0), coalesce(array_agg(DISTINCT model_id ORDER BY model_id), '{}'), max(created_at)
            FROM model_requests WHERE session_id = $1
            """);
        command.Parameters.AddWithValue(sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SessionTotals(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDecimal(3),
            reader.GetFieldValue<string[]>(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
    }
}
