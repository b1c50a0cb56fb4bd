using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Grains.Abstractions.Users;

namespace LatticeLock.Client;

/// <summary>
/// The typed entry point for .NET orchestrators: <c>client.Sessions.Start(...)</c>, <c>client.Prices.Set(...)</c>,
/// <c>client.Sessions.RecordModelRequest(...)</c>, <c>client.Chats.AppendTurn(...)</c>. Every call goes to the owning
/// grain; errors arrive as the grain contracts' exceptions (InvalidFieldException, NotFoundException, ConflictException…).
/// </summary>
public sealed class LatticeLockClient(IGrainFactory grains)
{
    public UsersClient Users { get; } = new(grains);
    public ProjectsClient Projects { get; } = new(grains);
    public SessionsClient Sessions { get; } = new(grains);
    public ChatsClient Chats { get; } = new(grains);
    public BudgetsClient Budgets { get; } = new(grains);
    public TracesClient Traces { get; } = new(grains);
    public PricesClient Prices { get; } = new(grains);
}

/// <summary>Traces stored from OTLP exports (<c>/otlp/v1/traces</c>), read in pages of spans in tree order with costs per subtree.</summary>
public sealed class TracesClient(IGrainFactory grains)
{
    /// <summary>
    /// One page of the owner's trace (a trace id is scoped to the user whose key exported it), or null when none of its
    /// spans is stored for that owner. Pass the previous page's <see cref="TracePage.NextCursor"/> for the next one.
    /// </summary>
    public Task<TracePage?> GetPage(Guid ownerId, string traceId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ITraceReaderGrain>(0).GetTracePage(ownerId, traceId, cursor, limit, cancellationToken);

    /// <summary>Every span of the owner's trace in tree order, page by page (each page a separate read).</summary>
    public async IAsyncEnumerable<TraceSpan> ReadAll(Guid ownerId, string traceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await GetPage(ownerId, traceId, cursor, null, cancellationToken);
            if (page is null) yield break;
            foreach (var span in page.Spans) yield return span;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    /// <summary>The session's traces, newest first.</summary>
    public Task<IReadOnlyList<TraceSummary>> ListForSession(Guid sessionId, int limit = 100, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ITraceReaderGrain>(0).ListForSession(sessionId, limit, cancellationToken);
}

/// <summary>
/// The model price table (USD per million tokens, per token class, with a long-context tier and service-tier
/// multipliers): requests recorded without costs are priced from it, or from their workspace's override of the model.
/// </summary>
public sealed class PricesClient(IGrainFactory grains)
{
    /// <summary>
    /// Stores the price from its effective date on (at an existing date it replaces that row, which is retired, not
    /// changed): the platform's (an operator key), or with <see cref="ModelPrice.WorkspaceId"/> that workspace's
    /// override (its admins and owners).
    /// </summary>
    public Task<PriceSet> Set(ModelPrice price, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IPriceTableGrain>(0).Set(price, cancellationToken);

    /// <summary>The platform's current prices.</summary>
    public Task<IReadOnlyList<ModelPrice>> List(string? provider = null, string? model = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IPriceTableGrain>(0).List(provider, model, cancellationToken);

    /// <summary>The workspace's current overrides (any member may read them).</summary>
    public Task<IReadOnlyList<ModelPrice>> ListOverrides(Guid workspaceId, string? provider = null, string? model = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IPriceTableGrain>(0).ListOverrides(workspaceId, provider, model, cancellationToken);

    /// <summary>Removes the workspace's overrides of the model: its requests are priced from the platform's prices again.</summary>
    public Task RemoveOverride(Guid workspaceId, string provider, string model, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IPriceTableGrain>(0).RemoveOverride(workspaceId, provider, model, cancellationToken);
}

public sealed class UsersClient(IGrainFactory grains)
{
    /// <summary>Creates a user; pass <paramref name="id"/> to make a retried create harmless.</summary>
    public Task<UserProfile> Create(string email, string? name = null, Guid? id = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IUserGrain>(id ?? Guid.NewGuid()).Create(new CreateUser(email, name), cancellationToken);

    public Task<UserProfile> Get(Guid id) => grains.GetGrain<IUserGrain>(id).Get();
}

public sealed class ProjectsClient(IGrainFactory grains)
{
    /// <summary>Creates a project in <paramref name="workspaceId"/> (null: the owner's personal workspace).</summary>
    public Task<ProjectDetails> Create(Guid ownerId, string name, string? path = null, Guid? id = null, Guid? workspaceId = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(id ?? Guid.NewGuid()).Create(new CreateProject(ownerId, name, path, workspaceId), cancellationToken);

    public Task<ProjectDetails> Get(Guid id) => grains.GetGrain<IProjectGrain>(id).Get();

    /// <summary>Applies the change only if the project is still at <paramref name="expectedVersion"/>.</summary>
    public Task<ProjectDetails> Update(Guid id, int expectedVersion, string? name = null, string? path = null, ProjectStatus? status = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(id).Update(new UpdateProject(expectedVersion, name, path, status), cancellationToken);
}

/// <summary>
/// Budgets enforced before the call: reserve the estimate, make the LLM call, then record the model request with
/// <see cref="ModelRequestRecord.ReservationId"/> so the actual cost replaces the estimate.
/// </summary>
public sealed class BudgetsClient(IGrainFactory grains)
{
    public Task<BudgetStatus> Set(Guid projectId, decimal monthlyUsd, int[]? alertThresholdsPct = null, string? webhookUrl = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(projectId).SetBudget(new BudgetSettings(monthlyUsd, alertThresholdsPct ?? [], webhookUrl), cancellationToken);

    public Task<BudgetStatus> Get(Guid projectId, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(projectId).GetBudget(cancellationToken);

    /// <summary>Holds <paramref name="estimatedCostUsd"/>; throws <c>BudgetExceededException</c> (with the remaining amount) when it does not fit.</summary>
    public Task<BudgetReservation> Reserve(Guid projectId, decimal estimatedCostUsd, int? ttlSeconds = null, Guid? reservationId = null,
        CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(projectId).Reserve(new ReserveBudget(estimatedCostUsd, ttlSeconds, reservationId), cancellationToken);

    public Task Release(Guid projectId, Guid reservationId, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IProjectGrain>(projectId).ReleaseReservation(reservationId, cancellationToken);
}

public sealed class SessionsClient(IGrainFactory grains)
{
    /// <summary>
    /// Starts a session for <paramref name="userId"/>; <paramref name="metadataJson"/> is a JSON object or null. It lives in
    /// the project's workspace, else <paramref name="workspaceId"/>, else the user's personal workspace.
    /// </summary>
    public Task<SessionSummary> Start(Guid userId, Guid? projectId = null, string? metadataJson = null, Guid? id = null, Guid? workspaceId = null,
        CancellationToken cancellationToken = default) =>
        grains.GetGrain<ISessionGrain>(id ?? Guid.NewGuid()).Start(new StartSession(userId, projectId, metadataJson, workspaceId), cancellationToken);

    /// <summary>Request count, tokens, cost and models so far, straight from the session's memory.</summary>
    public Task<SessionSummary> Get(Guid sessionId) => grains.GetGrain<ISessionGrain>(sessionId).GetSummary();

    public Task<SessionSummary> End(Guid sessionId, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ISessionGrain>(sessionId).End(cancellationToken);

    /// <summary>Returns once the request is committed; retrying with the same <see cref="ModelRequestRecord.Id"/> is safe.</summary>
    public Task<ModelRequestAck> RecordModelRequest(Guid sessionId, ModelRequestRecord request, CancellationToken cancellationToken = default) =>
        grains.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(request, cancellationToken);
}

public sealed class ChatsClient(IGrainFactory grains)
{
    public Task<ChatDetails> Create(Guid sessionId, string? title = null, Guid? id = null, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IChatGrain>(id ?? Guid.NewGuid()).Create(new CreateChat(sessionId, title), cancellationToken);

    /// <summary>
    /// Appends a turn and returns its sequence number (1, 2, 3… per chat). Give <see cref="AppendTurn.TurnId"/> to make
    /// it safe to retry: the same id returns the same sequence number and appends nothing.
    /// </summary>
    public Task<long> AppendTurn(Guid chatId, AppendTurn turn, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IChatGrain>(chatId).AppendTurn(turn, cancellationToken);

    /// <summary>Appends a turn and returns it as stored, with whether its turn id had been appended before.</summary>
    public Task<AppendedTurn> RecordTurn(Guid chatId, AppendTurn turn, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IChatGrain>(chatId).RecordTurn(turn, cancellationToken);

    public Task<IReadOnlyList<ChatTurn>> GetLastTurns(Guid chatId, int last, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IChatGrain>(chatId).GetLastTurns(last, cancellationToken);

    public Task<IReadOnlyList<ChatTurn>> GetTurnsAfter(Guid chatId, long afterSeq, int limit = 1000, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IChatGrain>(chatId).GetTurnsAfter(afterSeq, limit, cancellationToken);
}
