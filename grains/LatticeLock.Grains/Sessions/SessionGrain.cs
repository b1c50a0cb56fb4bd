using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Grains.Metrics;
using LatticeLock.Grains.Prices;
using LatticeLock.Grains.Workspaces;
using LatticeLock.Storage;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Sessions;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Sessions;

/// <summary>
/// Owns a session's hot usage totals. They start from the session's checkpoint plus the rows stored after it (so
/// activation costs the same at 10 or 1,000,000 requests) and grow only by rows the <see cref="ModelRequestLog"/>
/// reports as newly committed, so they always equal what the table says. The checkpoint moves forward every
/// <see cref="CheckpointEvery"/> new rows, on activation when many rows came after it, and on deactivation.
/// </summary>
public sealed class SessionGrain(
    SessionRepository sessions,
    ModelRequestLog requestLog,
    ModelRequestQueries storedRequests,
    PriceBook priceBook,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<ModelRequestRules> rules,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain, IWorkspaceScoped
{
    Guid? IWorkspaceScoped.ScopeWorkspaceId => _session?.WorkspaceId;

    // The sessions row is the session's one store: loaded on activation, written once per change, version-guarded.
    private SessionRow? _session;
    private SessionTotals _totals = SessionTotals.Empty;
    private readonly SortedSet<string> _models = new(StringComparer.Ordinal);

    /// <summary>New rows after which the checkpoint is moved forward (the most a later activation re-sums, give or take in-flight rows).</summary>
    public const int CheckpointEvery = 10_000;
    private long _sinceCheckpoint;
    private Task _checkpointing = Task.CompletedTask;

    // Chats never move between sessions, so a chat checked once is not looked up again.
    private readonly HashSet<Guid> _chats = [];
    // "The project has no budget" as last answered, trusted until this time (then asked again by the next report).
    private DateTimeOffset _noBudgetUntil = DateTimeOffset.MinValue;
    private IProjectGrain? _projectGrain;

    // RecordModelRequest interleaves with everything else; these keep Start and End from racing it.
    private bool _ready;          // started and totals loaded: records are accepted
    private bool _ending;         // End has begun: new records are refused
    private int _recordsInFlight;
    private TaskCompletionSource? _drained;

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailures.GuardActivationAsync(async () =>
    {
        _session = await sessions.FindAsync(Id, cancellationToken);
        if (_session is null) return;
        await LoadTotalsAsync(cancellationToken);
        _ready = true;
    });

    async Task<SessionSummary> ISessionGrain.Start(StartSession command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.UserId, "user_id");
        Require.OptionalId(command.ProjectId, "project_id");
        Require.OptionalId(command.WorkspaceId, "workspace_id");
        var metadata = Require.OptionalJson(command.MetadataJson, "metadata", mustBeObject: true);
        if (_session is null)
        {
            await RequireExistsAsync("user_id", () => GrainFactory.GetGrain<IUserGrain>(command.UserId).Get());
            var workspaceId = await WorkspaceOfAsync(command);

            var now = clock.GetUtcNow();
            if (await sessions.InsertAsync(Id, command.UserId, command.ProjectId, workspaceId, metadata, now, cancellationToken) is { } started)
            {
                _session = started;
                _ready = true; // a new row has no model requests yet
                return Summary();
            }
            // Another activation started this id first: adopt what it stored, with its totals.
            _session = await sessions.FindAsync(Id, cancellationToken)
                ?? throw new StorageFailureException($"session {Id} was neither inserted nor found", null);
            await LoadTotalsAsync(cancellationToken);
            _ready = true;
        }
        return _session.UserId == command.UserId && _session.ProjectId == command.ProjectId
               && (command.WorkspaceId is null || command.WorkspaceId == _session.WorkspaceId)
            ? Summary()
            : throw new ConflictException("id", $"session {Id} already exists");
    }

    /// <summary>The project's workspace (the command's must match it), else the command's, else the user's personal one.</summary>
    private async Task<Guid> WorkspaceOfAsync(StartSession command)
    {
        if (command.ProjectId is not { } projectId)
        {
            var workspaceId = command.WorkspaceId ?? command.UserId;
            if (command.WorkspaceId is { } given)
                await RequireExistsAsync("workspace_id", () => GrainFactory.GetGrain<IWorkspaceGrain>(given).Get());
            return workspaceId;
        }
        ProjectDetails? project = null;
        await RequireExistsAsync("project_id", async () => project = await GrainFactory.GetGrain<IProjectGrain>(projectId).Get());
        if (command.WorkspaceId is { } asked && asked != project!.WorkspaceId)
            throw new InvalidFieldException("workspace_id", $"project {projectId} lives in workspace {project.WorkspaceId}, not {asked}");
        return project!.WorkspaceId;
    }

    Task<SessionSummary> ISessionGrain.GetSummary() => Task.FromResult(Summary());

    Task ISessionGrain.CostsCorrected()
    {
        // Not reloaded in place: a record in flight may or may not be in a fresh sum. The next activation sums the
        // checkpoint (which the reprice corrected) and the rows after it, as every activation does.
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    async Task<SessionSummary> ISessionGrain.End(CancellationToken cancellationToken)
    {
        var session = Session();
        if (session.EndedAt is not null) return Summary();
        _ending = true;
        try
        {
            if (_recordsInFlight > 0)
            {
                _drained = new TaskCompletionSource();
                await _drained.Task; // records accepted before End finish first, so the ended summary includes them
            }
            var now = clock.GetUtcNow();
            if (await sessions.EndAsync(Id, now, session.Version, cancellationToken))
            {
                _session = session with { EndedAt = now, Version = session.Version + 1 };
                return Summary();
            }
            // The row moved on without this activation (another one ended it): the stored end is the answer.
            _session = await sessions.FindAsync(Id, cancellationToken);
            return Session().EndedAt is not null
                ? Summary()
                : throw new ConflictException("version", $"session {Id} was changed by another writer; retry");
        }
        catch
        {
            _ending = false;
            throw;
        }
    }

    async Task<ModelRequestAck> ISessionGrain.RecordModelRequest(ModelRequestRecord request, CancellationToken cancellationToken)
    {
        ModelRequestValidation.Validate(request);
        var skew = rules.Value.MaxFutureSkew;
        if (request.RequestedAt > clock.GetUtcNow() + skew)
            throw new InvalidFieldException("requested_at", $"must not lie more than {skew.TotalMinutes:0.##} minutes in the future (server time {clock.GetUtcNow():O})");
        var session = Session();
        if (session.EndedAt is not null || _ending)
        {
            // A retry of a request stored before the end is still answered as the duplicate it is (idempotency
            // outlives the session); only new requests are refused.
            if (await storedRequests.FindForRepeatAsync(request.Id, cancellationToken) is { } stored)
            {
                RequireSameRequest(stored, ModelRequestPayload.Hash(Id, request));
                return new ModelRequestAck(stored.Request, WasDuplicate: true);
            }
            throw new ConflictException("session_id", $"session {Id} has ended; it takes no more model requests");
        }
        if (!_ready) throw new ConflictException("session_id", $"session {Id} is still starting; retry once Start has returned");
        if (request.ReservationId is { } rid)
        {
            Require.Id(rid, "reservation_id");
            if (session.ProjectId is null) throw new InvalidFieldException("reservation_id", $"session {Id} has no project, so there is no budget to settle");
        }

        _recordsInFlight++;
        try
        {
            if (request.ChatId is { } chatId && !_chats.Contains(chatId)) await RequireChatOfThisSessionAsync(chatId);
            var payloadHash = ModelRequestPayload.Hash(Id, request); // as the client sent it, before pricing
            if (request.RequestedAt < clock.GetUtcNow() - rules.Value.MaxPastAge
                && await storedRequests.FindAsync(request.Id, cancellationToken) is null)
                throw new InvalidFieldException("requested_at",
                    $"must not lie more than {rules.Value.MaxPastAge.TotalDays:0.##} days in the past ({ModelRequestRules.Section}:MaxPastAge)");
            request = await priceBook.PriceAsync(request, session.WorkspaceId, cancellationToken);
            bool inserted;
            try
            {
                inserted = await requestLog.AppendAsync(new ModelRequestRow(Id, session.UserId, request, session.ProjectId, payloadHash, session.WorkspaceId), cancellationToken);
            }
            catch (OverloadedException)
            {
                throw; // refused before it was queued: nothing was stored, the totals are right
            }
            catch
            {
                // The row may have been stored after all; rebuild the totals from model_requests rather than guess.
                DeactivateOnIdle();
                throw;
            }
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
                // The list keeps the alphabetically first MaxSessionModels models (as the stored checkpoint does); all count in the totals.
                if (_models.Add(request.ModelId) && _models.Count > Limits.MaxSessionModels) _models.Remove(_models.Max!);
                if (++_sinceCheckpoint >= CheckpointEvery && _checkpointing.IsCompleted) _checkpointing = CheckpointAsync();
                LiveModelRequestMeter.Record(request.Provider, request.ModelId, request.TaskType, WireNames.Of(request.Status),
                    request.LatencyMs, request.InputTokens, request.OutputTokens, request.TotalCostUsd);
                var settled = await ReportSpendAsync(request, duplicate: false);
                return new ModelRequestAck(request, WasDuplicate: false, request.ReservationId is null ? null : settled);
            }
            // The id is stored: a retry only if it is this session's request with the same payload, else a reused id (409).
            var stored = await storedRequests.FindAsync(request.Id, cancellationToken);
            RequireSameRequest(stored, payloadHash);
            // A retry of a stored request: its reservation is settled (idempotently) and its cost not counted again.
            // Its first attempt may have committed after this activation summed the table (a commit that became
            // visible late: a synchronous standby's wait, a batch that failed its caller yet committed), so the
            // totals are summed again by the next activation rather than trusted.
            DeactivateOnIdle();
            var settledBefore = await ReportSpendAsync(request, duplicate: true);
            // Answered from the stored row (its first attempt's costs), or, while that is not visible yet, from this attempt's.
            return new ModelRequestAck(stored?.Request ?? request, WasDuplicate: true, request.ReservationId is null ? null : settledBefore);
        }
        finally
        {
            if (--_recordsInFlight == 0) _drained?.TrySetResult();
        }
    }

    /// <summary>
    /// 409 naming <c>id</c> unless the stored request with this id is this session's and has the same payload (rows
    /// stored before payload hashes existed have none and count as the same).
    /// </summary>
    private void RequireSameRequest(ModelRequestRow? stored, byte[] payloadHash)
    {
        if (stored is null) return; // not visible yet (its commit is confirmed by the barrier the log already passed)
        if (stored.SessionId != Id)
            throw new ConflictException("id", $"id {stored.Request.Id} is already used by another model request (of another session); choose a new id");
        if (stored.PayloadHash is { } hash && !hash.AsSpan().SequenceEqual(payloadHash))
            throw new ConflictException("id", $"a model request with id {stored.Request.Id} is stored with other content; a retry must repeat the same body, a new request needs a new id");
    }

    /// <summary>
    /// Tells the project's budget about the stored request. The row is committed whatever happens here, so a failure
    /// is logged, not thrown: the project grain rebuilds its spend from model_requests when it next activates.
    /// </summary>
    private async Task<bool> ReportSpendAsync(ModelRequestRecord request, bool duplicate)
    {
        if (_session?.ProjectId is not { } projectId) return false;
        // No budget, no reservation: nothing to settle or enforce, so no grain call (see SpendRecorded.NoBudgetCacheFor).
        if (request.ReservationId is null && clock.GetUtcNow() < _noBudgetUntil) return false;
        try
        {
            var recorded = await (_projectGrain ??= GrainFactory.GetGrain<IProjectGrain>(projectId))
                .RecordSpend(new ProjectSpend(request.Id, request.TotalCostUsd, clock.GetUtcNow(), request.ReservationId, duplicate));
            _noBudgetUntil = recorded.HasBudget ? DateTimeOffset.MinValue : clock.GetUtcNow() + SpendRecorded.NoBudgetCacheFor;
            return recorded.Settled;
        }
        catch (Exception e)
        {
            // The project grain re-sums spend from model_requests every minute, so the cost is counted even so.
            logger.LogWarning(e, "Model request {RequestId} is stored but project {ProjectId}'s budget could not be told", request.Id, projectId);
            return false;
        }
    }

    private async Task LoadTotalsAsync(CancellationToken cancellationToken)
    {
        _totals = await sessions.LoadTotalsAsync(Id, cancellationToken);
        _models.Clear();
        _models.UnionWith(_totals.Models.Take(Limits.MaxSessionModels));
        _sinceCheckpoint = _totals.RowsSinceCheckpoint;
        if (_sinceCheckpoint >= CheckpointEvery) _checkpointing = CheckpointAsync();
    }

    /// <summary>Moves the stored checkpoint forward; a failure only means the next activation sums a few more rows.</summary>
    private async Task CheckpointAsync()
    {
        var pending = _sinceCheckpoint;
        try
        {
            await sessions.CheckpointTotalsAsync(Id, CancellationToken.None);
            _sinceCheckpoint -= pending;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Session {SessionId}: the totals checkpoint could not be written; the next activation re-sums more rows", Id);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _checkpointing;
        if (_session is not null && _sinceCheckpoint > 0) await CheckpointAsync();
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
        _chats.Add(chatId);
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

    private SessionRow Session() => _session ?? throw this.Missing("session", Id);

    private SessionSummary Summary()
    {
        var s = Session();
        var last = _totals.LastRequestAt is { } at && at > s.StartedAt ? at : s.StartedAt;
        if (s.EndedAt is { } ended && ended > last) last = ended;
        return new SessionSummary(Id, s.UserId, s.ProjectId, s.WorkspaceId, s.EndedAt is null ? SessionStatus.Active : SessionStatus.Ended,
            _totals.RequestCount, _totals.InputTokens, _totals.OutputTokens, _totals.TotalCostUsd, [.. _models],
            s.MetadataJson, s.StartedAt, last, s.EndedAt);
    }
}
