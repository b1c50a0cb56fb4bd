using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Commits;
using Npgsql;

namespace LatticeLock.Storage.Chats;

/// <summary>
/// The <c>chats</c> table (the one store of a chat; a chat row is never updated) and the append-only
/// <c>chat_turns</c>: a turn is one INSERT, earlier turns are never touched, and the (chat_id, seq) key makes a
/// second activation's append of the same seq fail instead of overwriting.
/// </summary>
public sealed class ChatRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Inserts the chat; false when a row with this id exists already (a retry or a race), once a synchronous standby holds it.</summary>
    public async Task<bool> InsertChatAsync(Guid id, Guid sessionId, string? title, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO chats (id, session_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue((object?)title ?? DBNull.Value);
        command.Parameters.AddWithValue(createdAt);
        return await ConfirmedCommit.InsertOnceAsync(command, dataSource, cancellationToken);
    }

    public async Task<(Guid SessionId, string? Title, DateTimeOffset CreatedAt)?> FindChatAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT session_id, title, created_at FROM chats WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>
    /// Inserts the turn; false (nothing written) when its turn id is stored in this chat already, once a synchronous
    /// standby holds that stored turn too (<see cref="SynchronousBarrier"/>), so the repeat is acknowledged like a first.
    /// </summary>
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
        return await ConfirmedCommit.InsertOnceAsync(command, dataSource, cancellationToken);
    }

    /// <summary>Returns once a synchronous standby holds everything stored so far (<see cref="SynchronousBarrier"/>), or refuses (503).</summary>
    public Task ConfirmStoredAsync(CancellationToken cancellationToken) => SynchronousBarrier.PassAsync(dataSource, cancellationToken);

    /// <summary>The turn stored under <paramref name="turnId"/> in this chat, if any.</summary>
    public async Task<ChatTurn?> FindTurnAsync(Guid chatId, Guid turnId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {TurnColumns} FROM chat_turns WHERE chat_id = $1 AND turn_id = $3 LIMIT $2", chatId, 1, cancellationToken, turnId: turnId))
        .SingleOrDefault();

    private const string TurnColumns = "seq, role, content, model, provider, input_tokens, output_tokens, created_at, turn_id";

    /// <summary>
    /// Up to <paramref name="limit"/> of the newest turns with seq below <paramref name="before"/>, ascending, holding at
    /// most <paramref name="maxBytes"/> of content (UTF-8; the newest turn always): the database leaves the rest out,
    /// so a long chat of large turns never travels whole.
    /// </summary>
    public Task<List<ChatTurn>> TurnsBeforeAsync(Guid chatId, long before, int limit, long maxBytes, CancellationToken cancellationToken) =>
        QueryAsync($"""
            SELECT {TurnColumns} FROM (
                SELECT t.*, sum(octet_length(t.content)) OVER (ORDER BY t.seq DESC) AS running
                FROM (SELECT * FROM chat_turns WHERE chat_id = $1 AND seq < $3 ORDER BY seq DESC LIMIT $2) t) w
            WHERE running - octet_length(content) = 0 OR running <= $4
            ORDER BY seq
            """, chatId, limit, cancellationToken, before, maxBytes: maxBytes);

    /// <summary>Up to <paramref name="limit"/> turns after seq <paramref name="afterSeq"/>, ascending, within <paramref name="maxBytes"/> of content (the first always).</summary>
    public Task<List<ChatTurn>> TurnsAfterAsync(Guid chatId, long afterSeq, int limit, long maxBytes, CancellationToken cancellationToken) =>
        QueryAsync($"""
            SELECT {TurnColumns} FROM (
                SELECT t.*, sum(octet_length(t.content)) OVER (ORDER BY t.seq) AS running
                FROM (SELECT * FROM chat_turns WHERE chat_id = $1 AND seq > $3 ORDER BY seq LIMIT $2) t) w
            WHERE running - octet_length(content) = 0 OR running <= $4
            ORDER BY seq
            """, chatId, limit, cancellationToken, afterSeq, maxBytes: maxBytes);

    public async Task<long> MaxSeqAsync(Guid chatId, CancellationToken cancellationToken)
    {
        // Turns the retention job removed still count: their numbers are never given out again.
        await using var command = dataSource.CreateCommand("""
            SELECT greatest((SELECT coalesce(max(seq), 0) FROM chat_turns WHERE chat_id = $1),
                            (SELECT coalesce(max(expired_through_seq), 0) FROM chats WHERE id = $1))
            """);
        command.Parameters.AddWithValue(chatId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<List<ChatTurn>> QueryAsync(string sql, Guid chatId, int limit, CancellationToken cancellationToken, long? seq = null, Guid? turnId = null, long? maxBytes = null)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(chatId);
        command.Parameters.AddWithValue(limit);
        if (seq is { } s) command.Parameters.AddWithValue(s);
        if (turnId is { } id) command.Parameters.AddWithValue(id);
        if (maxBytes is { } max) command.Parameters.AddWithValue(max);
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
