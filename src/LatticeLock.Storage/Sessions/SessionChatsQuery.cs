using Npgsql;

namespace LatticeLock.Storage.Sessions;

/// <summary>Per-chat usage of a session, for reports: turns, model requests, tokens and cost of each chat.</summary>
public sealed class SessionChatsQuery(NpgsqlDataSource dataSource)
{
    public sealed record ChatUsage(Guid ChatId, string? Title, long Turns, long Requests, long Tokens, decimal CostUsd, DateTimeOffset CreatedAt);

    public async Task<List<ChatUsage>> RunAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.title,
                   (SELECT count(*) FROM chat_turns t WHERE t.chat_id = c.id),
                   coalesce(m.n, 0), coalesce(m.tokens, 0)::bigint, coalesce(m.cost, 0), c.created_at
            FROM chats c LEFT JOIN (
                -- the session's requests, through (session_id, xact_id); a chat's requests are always its session's
                SELECT chat_id, count(*) AS n, sum(total_tokens) AS tokens, sum(total_cost_usd) AS cost
                FROM model_requests WHERE session_id = $1 AND chat_id IS NOT NULL GROUP BY chat_id) m ON m.chat_id = c.id
            WHERE c.session_id = $1
            ORDER BY c.created_at, c.id
            """);
        command.Parameters.AddWithValue(sessionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var chats = new List<ChatUsage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            chats.Add(new ChatUsage(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetDecimal(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return chats;
    }
}
