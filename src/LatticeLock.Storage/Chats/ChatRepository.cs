using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;

namespace LatticeLock.Storage.Chats;

/// <summary>
/// The <c>chats</c> table (the one store of a chat; a chat row is never updated) and the append-only
/// <c>chat_turns</c>: a turn is one INSERT, earlier turns are never touched, and the (chat_id, seq) key makes a
/// second activation's append of the same seq fail instead of overwriting.
/// </summary>
public sealed class ChatRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Inserts the chat; false when a row with this id exists already (a retry or a race).</summary>
    public async Task<bool> InsertChatAsync(Guid id, Guid sessionId, string? title, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO chats (id, session_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue((object?)title ?? DBNull.Value);
        command.Parameters.AddWithValue(createdAt);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<(Guid SessionId, string? Title, DateTimeOffset CreatedAt)?> FindChatAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT session_id, title, created_at FROM chats WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>Inserts the turn; false (nothing written) when its turn id is stored in this chat already.</summary>
    public async Task<bool> InsertTurnAsync(Guid chatId, ChatTurn turn, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO chat_turns (chat_id, seq, role, content, model, provider, input_tokens, output_tokens, created_at, turn_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (chat_id, turn_id) WHERE turn_id IS NOT NULL DO NOTHING
            """);
        command.Parameters.AddWithValue(chatId);
        command.Parameters.AddWithValue(turn.Seq);
        command.Parameters.AddWithValue(WireNames.Of(turn.Role));
        command.Parameters.AddWithValue(turn.Content);
        command.Parameters.AddWithValue((object?)turn.Model ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)turn.Provider ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)turn.InputTokens ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)turn.OutputTokens ?? DBNull.Value);
        command.Parameters.AddWithValue(turn.CreatedAt);
        command.Parameters.AddNullable(turn.TurnId, NpgsqlTypes.NpgsqlDbType.Uuid);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The turn stored under <paramref name="turnId"/> in this chat, if any.</summary>
    public async Task<ChatTurn?> FindTurnAsync(Guid chatId, Guid turnId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {TurnColumns} FROM chat_turns WHERE chat_id = $1 AND turn_id = $3 LIMIT $2", chatId, 1, cancellationToken, turnId: turnId))
        .SingleOrDefault();

    private const string TurnColumns = "seq, role, content, model, provider, input_tokens, output_tokens, created_at, turn_id";

    /// <summary>The last <paramref name="count"/> turns, ascending by seq.</summary>
    public Task<List<ChatTurn>> LastTurnsAsync(Guid chatId, int count, CancellationToken cancellationToken) =>
        QueryAsync("""
            SELECT * FROM (
                SELECT seq, role, content, model, provider, input_tokens, output_tokens, created_at, turn_id
                FROM chat_turns WHERE chat_id = $1 ORDER BY seq DESC LIMIT $2) t
            ORDER BY seq
            """, chatId, count, cancellationToken);

    public Task<List<ChatTurn>> TurnsAfterAsync(Guid chatId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        QueryAsync("""
            SELECT seq, role, content, model, provider, input_tokens, output_tokens, created_at, turn_id
            FROM chat_turns WHERE chat_id = $1 AND seq > $3 ORDER BY seq LIMIT $2
            """, chatId, limit, cancellationToken, afterSeq);

    public async Task<long> MaxSeqAsync(Guid chatId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(seq), 0) FROM chat_turns WHERE chat_id = $1");
        command.Parameters.AddWithValue(chatId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<ChatTurn>> QueryAsync(string sql, Guid chatId, int limit, CancellationToken cancellationToken, long? afterSeq = null, Guid? turnId = null)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(chatId);
        command.Parameters.AddWithValue(limit);
        if (afterSeq is { } after) command.Parameters.AddWithValue(after);
        if (turnId is { } id) command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var turns = new List<ChatTurn>();
        while (await reader.ReadAsync(cancellationToken))
        {
            turns.Add(new ChatTurn(
                reader.GetInt64(0),
                WireNames.Parse<TurnRole>(reader.GetString(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetGuid(8)));
        }
        return turns;
    }
}
