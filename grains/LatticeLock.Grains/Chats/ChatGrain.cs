using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Workspaces;
using LatticeLock.Storage;
using LatticeLock.Storage.Chats;

namespace LatticeLock.Grains.Chats;

/// <summary>
/// Appends turns as single INSERTs (cost independent of chat length) and keeps the most recent turns in memory (at
/// most <see cref="RecentTurnWindow"/> turns and <see cref="RecentTurnBytes"/> of content, at least the last turn) so
/// context reads usually skip the database. Reads are pages bounded by <see cref="Limits.MaxTurnPageBytes"/>. Its one
/// store is the <c>chats</c> row (never updated) plus its turns.
/// </summary>
public sealed class ChatGrain(ChatRepository chats, TimeProvider clock) : Grain, IChatGrain, ISessionScoped
{
    Guid? ISessionScoped.ScopeSessionId => _chat?.SessionId;

    public const int RecentTurnWindow = 128;

    /// <summary>Content bytes (UTF-8) of the turns kept in memory: a chat of 256 KiB turns keeps a few, not 128.</summary>
    public const int RecentTurnBytes = 1024 * 1024;

    private (Guid SessionId, string? Title, DateTimeOffset CreatedAt)? _chat;

    // A contiguous run of the newest turns, each with its content's UTF-8 size.
    private readonly LinkedList<(ChatTurn Turn, int Bytes)> _recent = new();
    private long _recentBytes;
    private long _lastSeq;

    /// <summary>
    /// Whether every turn stored before this activation is known to be on a synchronous standby: true once any commit
    /// of this activation was confirmed, since a confirmed commit waited for all WAL before it. Until then a loaded
    /// turn may be a refused attempt committed on the primary alone, and a repeat of it is not acknowledged unconfirmed.
    /// </summary>
    private bool _storedTurnsConfirmed;

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailures.GuardActivationAsync(async () =>
    {
        _chat = await chats.FindChatAsync(Id, cancellationToken);
        if (_chat is null) return;
        foreach (var turn in await chats.TurnsBeforeAsync(Id, long.MaxValue, RecentTurnWindow, RecentTurnBytes, cancellationToken)) Remember(turn);
        _lastSeq = _recent.Last?.Value.Turn.Seq ?? await chats.MaxSeqAsync(Id, cancellationToken);
    });

    async Task<ChatDetails> IChatGrain.Create(CreateChat command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.SessionId, "session_id");
        var title = Require.OptionalName(command.Title, "title", Limits.NameMaxLength);
        if (_chat is not null) return SameSessionOrConflict(command.SessionId);
        SessionSummary session;
        try
        {
            session = await GrainFactory.GetGrain<ISessionGrain>(command.SessionId).GetSummary();
        }
        catch (NotFoundException)
        {
            throw new InvalidFieldException("session_id", $"session {command.SessionId} does not exist");
        }
        if (session.Status == SessionStatus.Ended) throw new ConflictException("session_id", $"session {command.SessionId} has ended");

        var now = clock.GetUtcNow();
        // Not inserted: another activation created this id first; answer from what it stored.
        _chat = await chats.InsertChatAsync(Id, command.SessionId, title, now, cancellationToken)
            ? (command.SessionId, title, now)
            : await chats.FindChatAsync(Id, cancellationToken);
        return SameSessionOrConflict(command.SessionId);
    }

    private ChatDetails SameSessionOrConflict(Guid sessionId) => Details().SessionId == sessionId
        ? Details()
        : throw new ConflictException("id", $"chat {Id} already exists in another session");

    Task<ChatDetails> IChatGrain.Get() => Task.FromResult(Details());

    async Task<long> IChatGrain.AppendTurn(AppendTurn turn, CancellationToken cancellationToken) =>
        (await ((IChatGrain)this).RecordTurn(turn, cancellationToken)).Turn.Seq;

    async Task<AppendedTurn> IChatGrain.RecordTurn(AppendTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        Require.Defined(turn.Role, "role");
        var content = Require.Utf8Text(turn.Content, "content", Limits.TurnContentMaxBytes);
        var model = Require.OptionalName(turn.Model, "model", Limits.NameMaxLength);
        var provider = Require.OptionalName(turn.Provider, "provider", Limits.NameMaxLength);
        Require.NonNegative(turn.InputTokens, "input_tokens");
        Require.NonNegative(turn.OutputTokens, "output_tokens");
        if (turn.TurnId is { } turnId) Require.Id(turnId, "turn_id");
        Details();
        // A retry of a recent turn is answered from memory; an older one is found by the insert's conflict below.
        if (turn.TurnId is { } id && _recent.Select(r => r.Turn).FirstOrDefault(t => t.TurnId == id) is { } recent)
        {
            var same = SameTurn(recent, turn.Role, content, model, provider, turn.InputTokens, turn.OutputTokens);
            if (!_storedTurnsConfirmed)
            {
                await chats.ConfirmStoredAsync(cancellationToken);
                _storedTurnsConfirmed = true;
            }
            return same;
        }

        var appended = new ChatTurn(_lastSeq + 1, turn.Role, content, model, provider, turn.InputTokens, turn.OutputTokens, clock.GetUtcNow(), turn.TurnId);
        bool inserted;
        try
        {
            inserted = await chats.InsertTurnAsync(Id, appended, cancellationToken);
        }
        catch
        {
            // The insert may have committed before the failure surfaced; reload the sequence on the next call.
            DeactivateOnIdle();
            throw;
        }
        _storedTurnsConfirmed = true; // inserted or not, the commit (or the barrier) was confirmed
        if (!inserted)
        {
            var stored = await chats.FindTurnAsync(Id, turn.TurnId!.Value, cancellationToken)
                ?? throw new ConflictException("turn_id", $"turn {turn.TurnId} could not be appended; retry");
            return SameTurn(stored, turn.Role, content, model, provider, turn.InputTokens, turn.OutputTokens);
        }
        _lastSeq = appended.Seq;
        Remember(appended);
        return new AppendedTurn(appended, WasDuplicate: false);
    }

    /// <summary>Adds the newest turn to memory and drops the oldest past the turn and byte bounds (the newest always stays).</summary>
    private void Remember(ChatTurn turn)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(turn.Content);
        _recent.AddLast((turn, bytes));
        _recentBytes += bytes;
        while (_recent.Count > 1 && (_recent.Count > RecentTurnWindow || _recentBytes > RecentTurnBytes))
        {
            _recentBytes -= _recent.First!.Value.Bytes;
            _recent.RemoveFirst();
        }
    }

    /// <summary>
    /// The stored turn for a repeated turn id, unless the id was used for a turn with other content (role, text, model,
    /// provider or tokens): 409 naming turn_id.
    /// </summary>
    private static AppendedTurn SameTurn(ChatTurn stored, TurnRole role, string content, string? model, string? provider, int? inputTokens, int? outputTokens) =>
        stored.Role == role && stored.Content == content && stored.Model == model && stored.Provider == provider
            && stored.InputTokens == inputTokens && stored.OutputTokens == outputTokens
            ? new AppendedTurn(stored, WasDuplicate: true)
            : throw new ConflictException("turn_id", $"turn_id {stored.TurnId} was already used for a turn with other content (seq {stored.Seq}); a retry must repeat the same turn, a new turn needs a new id");

    async Task<IReadOnlyList<ChatTurn>> IChatGrain.GetLastTurns(int last, CancellationToken cancellationToken) =>
        (await ((IChatGrain)this).GetTurnsBefore(null, last, cancellationToken)).Turns;

    async Task<IReadOnlyList<ChatTurn>> IChatGrain.GetTurnsAfter(long afterSeq, int limit, CancellationToken cancellationToken) =>
        (await ((IChatGrain)this).GetTurnPageAfter(afterSeq, limit, cancellationToken)).Turns;

    Task IChatGrain.TurnsExpired()
    {
        // The turns it cached may be gone from chat_turns; the next activation reads what is left.
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    async Task<TurnPage> IChatGrain.GetTurnsBefore(long? before, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > Limits.MaxTurnsPerRead) throw new InvalidFieldException("last", $"must be between 1 and {Limits.MaxTurnsPerRead}");
        if (before is < 1) throw new InvalidFieldException("before", "must be >= 1");
        Details();
        var end = Math.Min(before ?? long.MaxValue, _lastSeq + 1); // exclusive
        var from = Math.Max(1, end - limit);
        var turns = from >= OldestCachedSeq
            ? _recent.Select(r => r.Turn).Where(t => t.Seq >= from && t.Seq < end).ToList()
            : await chats.TurnsBeforeAsync(Id, end, limit, Limits.MaxTurnPageBytes, cancellationToken);
        // Within the page's bytes, the newest turns are kept; the older ones are read back from NextBefore.
        turns = WithinPageBytes(turns, keepNewest: true);
        return new TurnPage(turns, null, turns.Count > 0 && turns[0].Seq > 1 ? turns[0].Seq : null);
    }

    async Task<TurnPage> IChatGrain.GetTurnPageAfter(long after, int limit, CancellationToken cancellationToken)
    {
        if (after < 0) throw new InvalidFieldException("after", "must be >= 0");
        if (limit is < 1 or > Limits.MaxTurnsPerRead) throw new InvalidFieldException("limit", $"must be between 1 and {Limits.MaxTurnsPerRead}");
        Details();
        var turns = after + 1 >= OldestCachedSeq
            ? _recent.Select(r => r.Turn).Where(t => t.Seq > after).Take(limit).ToList()
            : await chats.TurnsAfterAsync(Id, after, limit, Limits.MaxTurnPageBytes, cancellationToken);
        turns = WithinPageBytes(turns, keepNewest: false);
        return new TurnPage(turns, turns.Count > 0 && turns[^1].Seq < _lastSeq ? turns[^1].Seq : null, null);
    }

    /// <summary>
    /// The turns (ascending) that fit <see cref="Limits.MaxTurnPageBytes"/> of content, counted from the newest end when
    /// reading back or from the oldest when reading on; at least one turn, whatever its size.
    /// </summary>
    private static List<ChatTurn> WithinPageBytes(List<ChatTurn> turns, bool keepNewest)
    {
        var kept = 0;
        long bytes = 0;
        for (var i = 0; i < turns.Count; i++)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(turns[keepNewest ? turns.Count - 1 - i : i].Content);
            if (kept > 0 && bytes > Limits.MaxTurnPageBytes) break;
            kept++;
        }
        return keepNewest ? turns.GetRange(turns.Count - kept, kept) : turns.GetRange(0, kept);
    }

    private long OldestCachedSeq => _recent.First?.Value.Turn.Seq ?? _lastSeq + 1;

    private ChatDetails Details() => _chat is { } chat
        ? new ChatDetails(Id, chat.SessionId, chat.Title, _lastSeq, chat.CreatedAt)
        : throw this.Missing("chat", Id);
}
