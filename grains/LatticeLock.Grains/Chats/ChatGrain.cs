using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Chats;

namespace LatticeLock.Grains.Chats;

/// <summary>
/// Appends turns as single INSERTs (cost independent of chat length) and keeps the most recent
/// <see cref="RecentTurnWindow"/> turns in memory so context reads usually skip the database. Its one store is the
/// <c>chats</c> row (never updated) plus its turns.
/// </summary>
public sealed class ChatGrain(ChatRepository chats, TimeProvider clock) : Grain, IChatGrain
{
    public const int RecentTurnWindow = 128;

    private (Guid SessionId, string? Title, DateTimeOffset CreatedAt)? _chat;

    private readonly LinkedList<ChatTurn> _recent = new();
    private long _lastSeq;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _chat = await chats.FindChatAsync(Id, cancellationToken);
        if (_chat is null) return;
        foreach (var turn in await chats.LastTurnsAsync(Id, RecentTurnWindow, cancellationToken)) _recent.AddLast(turn);
        _lastSeq = _recent.Last?.Value.Seq ?? 0;
    }

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
        if (turn.TurnId is { } id && _recent.FirstOrDefault(t => t.TurnId == id) is { } recent) return SameTurn(recent, turn.Role, content);

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
        if (!inserted)
        {
            var stored = await chats.FindTurnAsync(Id, turn.TurnId!.Value, cancellationToken)
                ?? throw new ConflictException("turn_id", $"turn {turn.TurnId} could not be appended; retry");
            return SameTurn(stored, turn.Role, content);
        }
        _lastSeq = appended.Seq;
        _recent.AddLast(appended);
        if (_recent.Count > RecentTurnWindow) _recent.RemoveFirst();
        return new AppendedTurn(appended, WasDuplicate: false);
    }

    /// <summary>The stored turn for a repeated turn id, unless the id was used for a different turn (409 naming turn_id).</summary>
    private static AppendedTurn SameTurn(ChatTurn stored, TurnRole role, string content) =>
        stored.Role == role && stored.Content == content
            ? new AppendedTurn(stored, WasDuplicate: true)
            : throw new ConflictException("turn_id", $"turn_id {stored.TurnId} was already used for another turn (seq {stored.Seq}); choose a new id");

    async Task<IReadOnlyList<ChatTurn>> IChatGrain.GetLastTurns(int last, CancellationToken cancellationToken)
    {
        if (last is < 1 or > Limits.MaxTurnsPerRead) throw new InvalidFieldException("last", $"must be between 1 and {Limits.MaxTurnsPerRead}");
        Details();
        if (last <= _recent.Count || _recent.Count == _lastSeq) return _recent.Skip(Math.Max(0, _recent.Count - last)).ToList();
        return await chats.LastTurnsAsync(Id, last, cancellationToken);
    }

    async Task<IReadOnlyList<ChatTurn>> IChatGrain.GetTurnsAfter(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        if (afterSeq < 0) throw new InvalidFieldException("after", "must be >= 0");
        if (limit is < 1 or > Limits.MaxTurnsPerRead) throw new InvalidFieldException("limit", $"must be between 1 and {Limits.MaxTurnsPerRead}");
        Details();
        var oldestCached = _recent.First?.Value.Seq ?? _lastSeq + 1;
        if (afterSeq + 1 >= oldestCached) return _recent.Where(t => t.Seq > afterSeq).Take(limit).ToList();
        return await chats.TurnsAfterAsync(Id, afterSeq, limit, cancellationToken);
    }

    private ChatDetails Details() => _chat is { } chat
        ? new ChatDetails(Id, chat.SessionId, chat.Title, _lastSeq, chat.CreatedAt)
        : throw new NotFoundException("chat", Id);
}
