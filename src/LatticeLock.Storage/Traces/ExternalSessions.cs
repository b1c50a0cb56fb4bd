using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Conversation or session ids from span attributes that are not our session ids, mapped to the LatticeLock session
/// made for each on first sight: one per user and external id, whoever asks first wins.
/// </summary>
public sealed class ExternalSessions(NpgsqlDataSource dataSource)
{
    /// <summary>The session mapped to the external id, or null when it has none yet.</summary>
    public async Task<Guid?> FindAsync(Guid userId, string externalId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT session_id FROM external_sessions WHERE user_id = $1 AND external_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(externalId);
        return await command.ExecuteScalarAsync(cancellationToken) is Guid session ? session : null;
    }

    /// <summary>The session mapped to the external id, claiming <paramref name="candidate"/> for it when it has none yet.</summary>
    public async Task<Guid> ClaimAsync(Guid userId, string externalId, Guid candidate, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH claimed AS (
                INSERT INTO external_sessions (user_id, external_id, session_id) VALUES ($1, $2, $3)
                ON CONFLICT (user_id, external_id) DO NOTHING
                RETURNING session_id)
            SELECT session_id FROM claimed
            UNION ALL
            SELECT session_id FROM external_sessions WHERE user_id = $1 AND external_id = $2
            LIMIT 1
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(externalId);
        command.Parameters.AddWithValue(candidate);
        if (await command.ExecuteScalarAsync(cancellationToken) is Guid session) return session;
        // A concurrent claim committed while this statement waited on it, after this statement's snapshot: read it now.
        await using var read = dataSource.CreateCommand("SELECT session_id FROM external_sessions WHERE user_id = $1 AND external_id = $2");
        read.Parameters.AddWithValue(userId);
        read.Parameters.AddWithValue(externalId);
        return (Guid)(await read.ExecuteScalarAsync(cancellationToken))!;
    }
}
