using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Sessions;

namespace LatticeLock.Grains.Sessions;

/// <summary>
/// Owns a session's hot usage totals. They start from a SUM over model_requests and grow only by rows the
/// <see cref="ModelRequestLog"/> reports as newly committed, so they always equal what the table says.
/// </summary>
public sealed class SessionGrain(
    [PersistentState("session", GrainStorage.Name)] IPersistentState<SessionState> state,
    SessionRepository sessions,
    ModelRequestLog requestLog,
    TimeProvider clock) : Grain, ISessionGrain
{
    private SessionTotals _totals = SessionTotals.Empty;
    private readonly SortedSet<string> _models = new(StringComparer.Ordinal);

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Exists) await LoadTotalsAsync(cancellationToken);
    }

    async Task<SessionSummary> ISessionGrain.Start(StartSession command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.UserId, "user_id");
        Require.OptionalId(command.ProjectId, "project_id");
        var metadata = Require.OptionalJson(command.MetadataJson, "metadata", mustBeObject: true);
        if (state.State.Exists)
        {
            return state.State.UserId == command.UserId && state.State.ProjectId == command.ProjectId
                ? Summary()
                : throw new ConflictException("id", $"session {Id} already exists");
        }
        await RequireExistsAsync("user_id", () => GrainFactory.GetGrain<IUserGrain>(command.UserId).Get());
        if (command.ProjectId is { } projectId)
            await RequireExistsAsync("project_id", () => GrainFactory.GetGrain<IProjectGrain>(projectId).Get());

        var now = clock.GetUtcNow();
        await sessions.InsertAsync(Id, command.UserId, command.ProjectId, metadata, now, cancellationToken);
        state.State = new SessionState { UserId = command.UserId, ProjectId = command.ProjectId, MetadataJson = metadata, StartedAt = now };
        await this.PersistOrDeactivateAsync(state, cancellationToken);
        await LoadTotalsAsync(cancellationToken); // a re-created grain whose state write was lost may already have rows
        return Summary();
    }

    Task<SessionSummary> ISessionGrain.GetSummary() => Task.FromResult(Summary());

    async Task<SessionSummary> ISessionGrain.End(CancellationToken cancellationToken)
    {
        Summary();
        if (state.State.EndedAt is not null) return Summary();
        var now = clock.GetUtcNow();
        await sessions.EndAsync(Id, now, cancellationToken);
        state.State.EndedAt = now;
        await this.PersistOrDeactivateAsync(state, cancellationToken);
        return Summary();
    }

    async Task<ModelRequestAck> ISessionGrain.RecordModelRequest(ModelRequestRecord request, CancellationToken cancellationToken)
    {
        ModelRequestValidation.Validate(request);
        Summary();
        if (state.State.EndedAt is not null) throw new ConflictException("session_id", $"session {Id} has ended; it takes no more model requests");
        if (request.ChatId is { } chatId) await RequireChatOfThisSessionAsync(chatId);

        var inserted = await requestLog.AppendAsync(new ModelRequestRow(Id, state.State.UserId, request), cancellationToken);
        if (inserted)
        {
            _totals = _totals with
            {
                RequestCount = _totals.RequestCount + 1,
                InputTokens = _totals.InputTokens + request.InputTokens,
                OutputTokens = _totals.OutputTokens + request.OutputTokens,
                TotalCostUsd = _totals.TotalCostUsd + request.TotalCostUsd,
                LastRequestAt = clock.GetUtcNow(),
            };
            _models.Add(request.ModelId);
        }
        return new ModelRequestAck(request.Id, WasDuplicate: !inserted);
    }

    private async Task LoadTotalsAsync(CancellationToken cancellationToken)
    {
        _totals = await sessions.LoadTotalsAsync(Id, cancellationToken);
        _models.Clear();
        _models.UnionWith(_totals.Models);
    }

    private async Task RequireChatOfThisSessionAsync(Guid chatId)
    {
        ChatDetails chat;
        try
        {
            chat = await GrainFactory.GetGrain<IChatGrain>(chatId).Get();
        }
        catch (NotFoundException)
        {
            throw new InvalidFieldException("chat_id", $"chat {chatId} does not exist");
        }
        if (chat.SessionId != Id) throw new InvalidFieldException("chat_id", $"chat {chatId} belongs to another session");
    }

    private static async Task RequireExistsAsync<T>(string field, Func<Task<T>> lookup)
    {
        try
        {
            await lookup();
        }
        catch (NotFoundException e)
        {
            throw new InvalidFieldException(field, $"{e.Entity} {e.EntityId} does not exist");
        }
    }

    private SessionSummary Summary()
    {
        var s = state.State;
        if (!s.Exists) throw new NotFoundException("session", Id);
        var last = _totals.LastRequestAt is { } at && at > s.StartedAt ? at : s.StartedAt;
        if (s.EndedAt is { } ended && ended > last) last = ended;
        return new SessionSummary(Id, s.UserId, s.ProjectId, s.EndedAt is null ? SessionStatus.Active : SessionStatus.Ended,
            _totals.RequestCount, _totals.InputTokens, _totals.OutputTokens, _totals.TotalCostUsd, [.. _models],
            s.MetadataJson, s.StartedAt, last, s.EndedAt);
    }
}
