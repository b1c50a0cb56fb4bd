using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Chats;

namespace LatticeLock.Grains.Chats;

/// <summary>
/// Appends turns as single INSERTs (cost independent of chat length) and keeps the most recent
/// <see cref="RecentTurnWindow"/> turns in memory so context reads usually skip the database.
/// </summary>
public sealed class ChatGrain(
    [PersistentState("chat", GrainStorage.Name)] IPersistentState<ChatState> state,
    ChatRepository chats,
    TimeProvider clock) : Grain, IChatGrain
{
    public const int RecentTurnWindow = 128;

    private readonly LinkedList<ChatTurn> _recent = new();
    private long _lastSeq;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Exists && await chats.FindChatAsync(Id, cancellationToken) is { } row)
        {
            // The chats row committed but the state write did not: the row is the truth.
            state.State = new ChatState { SessionId = row.SessionId, Title = row.Title, CreatedAt = row.CreatedAt };
        }
        if (!state.State.Exists) return;
        foreach (var turn in await chats.LastTurnsAsync(Id, RecentTurnWindow, cancellationToken)) _recent.AddLast(turn);
        _lastSeq = _recent.Last?.Value.Seq ?? 0;
    }

    async Task<ChatDetails> IChatGrain.Create(CreateChat command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.SessionId, "session_id");
        var title = Require.OptionalName(command.Title, "title", Limits.NameMaxLength);
        if (state.State.Exists)
        {
            return state.State.SessionId == command.SessionId
                ? Details()
                : throw new ConflictException("id", $"chat {Id} already exists in another session");
        }
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
        await chats.InsertChatAsync(Id, command.SessionId, title, now, cancellationToken);
        state.State = new ChatState { SessionId = command.SessionId, Title = title, CreatedAt = now };
        await this.PersistOrDeactivateAsync(state, cancellationToken);
        return Details();
    }

    Task<ChatDetails> IChatGrain.Get() => Task.FromResult(Details());

    async Task<long> IChatGrain.AppendTurn(AppendTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        Require.Defined(turn.Role, "role");
        var content = Require.Utf8Text(turn.Content, "content", Limits.TurnContentMaxBytes);
        var model = Require.OptionalName(turn.Model, "model", Limits.NameMaxLength);
        var provider = Require.OptionalName(turn.Provider, "provider", Limits.NameMaxLength);
        Require.NonNegative(turn.InputTokens, "input_tokens");
        Require.NonNegative(turn.OutputTokens, "output_tokens");
        Details();

        var appended = new ChatTurn(_lastSeq + 1, turn.Role, content, model, provider, turn.InputTokens, turn.OutputTokens, clock.GetUtcNow());
        try
        {
            await chats.InsertTurnAsync(Id, appended, cancellationToken);
        }
        catch
        {
            // The insert may have committed before the failure surfaced; reload the sequence on the next call.
            DeactivateOnIdle();
            throw;
        }
        _lastSeq = appended.Seq;
        _recent.AddLast(appended);
        if (_recent.Count > RecentTurnWindow) _recent.RemoveFirst();
        return appended.Seq;
    }

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

    private ChatDetails Details() => state.State.Exists
        ? new ChatDetails(Id, state.State.SessionId, state.State.Title, _lastSeq, state.State.CreatedAt)
        : throw new NotFoundException("chat", Id);
}
