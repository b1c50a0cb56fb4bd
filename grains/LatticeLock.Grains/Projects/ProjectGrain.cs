using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Grains.Workspaces;
using LatticeLock.Storage;
using LatticeLock.Storage.Budgets;
using LatticeLock.Storage.Projects;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Projects;

/// <summary>
/// A project and its budget, held hot. The <c>projects</c> row is the project's one store (loaded on activation,
/// written once per change with its version as guard); its live reservations are <c>budget_reservations</c> rows,
/// loaded on activation and changed through a confirmed commit before any change is acknowledged.
/// </summary>
public sealed class ProjectGrain(
    ProjectRepository projects,
    BudgetRepository budgets,
    BudgetReservationRepository reservations,
    AlertEventRepository alerts,
    TimeProvider clock,
    WebhookTargetPolicy webhookTargets,
    ILogger<ProjectGrain> logger) : Grain, IProjectGrain, IWorkspaceScoped
{
    Guid? IWorkspaceScoped.ScopeWorkspaceId => _project is { DeletedAt: null } p ? p.Project.WorkspaceId : null;

    private (ProjectDetails Project, DateTimeOffset? DeletedAt)? _project;
    private ProjectBudgetLedger? _budget;
    private IGrainTimer? _resync;

    private Guid Id => this.GetPrimaryKey();
    private ProjectBudgetLedger Budget => _budget ??= new ProjectBudgetLedger(Id, budgets, alerts, clock, webhookTargets, logger);
    private readonly List<ReservationState> _reservations = [];
    private List<ReservationState> Reservations => _reservations;

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailures.GuardActivationAsync(async () =>
    {
        _project = await projects.FindAsync(Id, cancellationToken);
        if (_project is { DeletedAt: null })
        {
            foreach (var r in await reservations.LiveAsync(Id, clock.GetUtcNow(), cancellationToken))
                _reservations.Add(new ReservationState { Id = r.Id, EstimatedCostUsd = r.EstimatedCostUsd, GrantedAt = r.GrantedAt, ExpiresAt = r.ExpiresAt });
            await Budget.LoadAsync(cancellationToken);
            EnsureResyncTimer();
        }
    });

    async Task<ProjectDetails> IProjectGrain.Create(CreateProject command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.OwnerId, "owner_id");
        Require.OptionalId(command.WorkspaceId, "workspace_id");
        var workspaceId = command.WorkspaceId ?? command.OwnerId;
        var name = Require.Text(command.Name, "name", Limits.NameMaxLength);
        var path = Require.OptionalText(command.Path, "path", Limits.PathMaxLength);
        if (_project is null)
        {
            await RequireUserAsync(command.OwnerId);
            await RequireWorkspaceAsync(workspaceId);
            var now = clock.GetUtcNow();
            var created = new ProjectDetails(Id, command.OwnerId, workspaceId, name, path, ProjectStatus.Unknown,
                ValidationStatus.NotRun, ValidationStatus.NotRun, ValidationStatus.NotRun, null, 1, now, now);
            if (await projects.InsertAsync(created, AuditActor.Current, cancellationToken))
            {
                _project = (created, null);
                return created;
            }
            // Another activation created this id first: answer from what it stored.
            _project = await projects.FindAsync(Id, cancellationToken)
                ?? throw new StorageFailureException($"project {Id} was neither inserted nor found", null);
        }
        if (_project.Value.DeletedAt is not null) throw new ConflictException("id", $"project {Id} was deleted");
        var existing = _project.Value.Project;
        return existing.OwnerId == command.OwnerId && existing.WorkspaceId == workspaceId && existing.Name == name && existing.Path == path
            ? existing
            : throw new ConflictException("id", $"project {Id} already exists");
    }

    Task<ProjectDetails> IProjectGrain.Get() => Task.FromResult(Details());

    async Task<ProjectDetails> IProjectGrain.Update(UpdateProject command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = Details();
        if (command.ExpectedVersion != current.Version)
            throw new ConflictException("version", $"expected version {command.ExpectedVersion} but project {Id} is at version {current.Version}");
        var updated = current with
        {
            Name = command.Name is null ? current.Name : Require.Text(command.Name, "name", Limits.NameMaxLength),
            Path = command.Path is null ? current.Path : Require.OptionalText(command.Path, "path", Limits.PathMaxLength),
            Status = command.Status is { } s ? Require.Defined(s, "status") : current.Status,
        };
        return await WriteChangeAsync(current, updated, cancellationToken);
    }

    async Task<long> IProjectGrain.RecordError(ProjectErrorReport error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        Details();
        var checkedError = new ProjectErrorReport(
            Require.Text(error.ErrorType, "error_type", Limits.ShortCodeMaxLength),
            Require.Text(error.Message, "message", Limits.TextMaxLength),
            Require.Text(error.Severity, "severity", Limits.ShortCodeMaxLength),
            Require.OptionalText(error.FilePath, "file_path", Limits.PathMaxLength),
            Require.NonNegative(error.LineNumber, "line_number"));
        return await projects.InsertErrorAsync(Id, checkedError, cancellationToken);
    }

    async Task<ProjectDetails> IProjectGrain.SetValidationStatus(ValidationKind kind, ValidationStatus status, CancellationToken cancellationToken)
    {
        Require.Defined(kind, "kind");
        Require.Defined(status, "status");
        var current = Details();
        var validated = status is ValidationStatus.Passed or ValidationStatus.Failed ? clock.GetUtcNow() : current.LastValidated;
        var updated = kind switch
        {
            ValidationKind.Schema => current with { SchemaStatus = status, LastValidated = validated },
            ValidationKind.Sheriff => current with { SheriffStatus = status, LastValidated = validated },
            _ => current with { GauntletStatus = status, LastValidated = validated },
        };
        return await WriteChangeAsync(current, updated, cancellationToken);
    }

    async Task IProjectGrain.Delete(CancellationToken cancellationToken)
    {
        var current = Details();
        var now = clock.GetUtcNow();
        if (!await projects.SoftDeleteAsync(current, now, AuditActor.Current, cancellationToken)) await ChangedElsewhereAsync(cancellationToken);
        _project = (current with { Version = current.Version + 1, UpdatedAt = now }, now);
    }

    async Task<BudgetStatus> IProjectGrain.SetBudget(BudgetSettings settings, CancellationToken cancellationToken)
    {
        Details();
        var hadBudget = Budget.HasBudget;
        var status = await Budget.SetAsync(settings, Reservations, Details().WorkspaceId, AuditActor.Current, cancellationToken);
        EnsureResyncTimer();
        // Sessions skip reporting to a project without a budget for SpendRecorded.NoBudgetCacheFor; one re-sum after
        // that window counts whatever they skipped while the new budget was being set.
        if (!hadBudget) this.RegisterGrainTimer(async (_, ct) => await ResyncAsync(ct), (object?)null,
            new GrainTimerCreationOptions(SpendRecorded.NoBudgetCacheFor * 2, Timeout.InfiniteTimeSpan));
        return status;
    }

    async Task<BudgetStatus> IProjectGrain.GetBudget(CancellationToken cancellationToken)
    {
        Details();
        return await Budget.GetAsync(Reservations, cancellationToken);
    }

    async Task<BudgetReservation> IProjectGrain.Reserve(ReserveBudget request, CancellationToken cancellationToken)
    {
        Details();
        BudgetReservation reservation;
        var before = Snapshot();
        try
        {
            reservation = await Budget.ReserveAsync(request, Reservations, (id, ct) => reservations.ExistsAsync(Id, id, ct), cancellationToken);
        }
        catch (BudgetExceededException)
        {
            BudgetMeter.Refused();
            throw;
        }
        await PersistAsync(before, cancellationToken); // acknowledged only once the hold is committed (and confirmed)
        BudgetMeter.Granted();
        return reservation;
    }

    async Task IProjectGrain.ReleaseReservation(Guid reservationId, CancellationToken cancellationToken)
    {
        Details();
        var before = Snapshot();
        if (!Budget.Release(reservationId, Reservations)) throw new NotFoundException("reservation", reservationId);
        await PersistAsync(before, cancellationToken);
    }

    async Task<SpendRecorded> IProjectGrain.RecordSpend(ProjectSpend spend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spend);
        if (_project is not { DeletedAt: null }) return new SpendRecorded(false, false); // a deleted project's requests still count in model_requests, not here
        var before = Snapshot();
        var settled = await Budget.RecordSpendAsync(spend, Reservations, cancellationToken);
        if (settled) await PersistAsync(before, cancellationToken);
        EnsureResyncTimer();
        return new SpendRecorded(settled, Budget.HasBudget);
    }

    /// <summary>
    /// While a budget exists, spend is re-summed from model_requests every minute, so a report that never arrived
    /// (a session's call that timed out, a retried request whose first attempt was stored) is corrected within a minute.
    /// </summary>
    private void EnsureResyncTimer()
    {
        if (_resync is not null || !Budget.HasBudget) return;
        _resync = this.RegisterGrainTimer(ResyncAsync, new GrainTimerCreationOptions(ProjectBudgetLedger.ResyncInterval, ProjectBudgetLedger.ResyncInterval));
    }

    Task IProjectGrain.ResyncSpend(CancellationToken cancellationToken) => Budget.HasBudget ? ResyncAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Re-sums spend; reservations it found settled by stored requests are persisted as gone.</summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        var before = Snapshot();
        if (await Budget.ResyncAsync(Reservations, cancellationToken)) await PersistAsync(before, cancellationToken);
    }

    private Dictionary<Guid, ReservationState> Snapshot() => _reservations.ToDictionary(r => r.Id);

    /// <summary>
    /// Commits what changed since <paramref name="before"/>: new reservations stored, removed ones (released, settled,
    /// expired) deleted. If the commit fails the activation is dropped, so the next call reloads what is stored
    /// instead of serving a change that never reached PostgreSQL.
    /// </summary>
    private async Task PersistAsync(Dictionary<Guid, ReservationState> before, CancellationToken cancellationToken)
    {
        var current = _reservations.Select(r => r.Id).ToHashSet();
        var added = _reservations.Where(r => !before.ContainsKey(r.Id))
            .Select(r => new StoredReservation(r.Id, r.EstimatedCostUsd, r.GrantedAt, r.ExpiresAt)).ToList();
        var removed = before.Keys.Where(id => !current.Contains(id)).ToList();
        try
        {
            await reservations.ApplyAsync(Id, added, removed, clock.GetUtcNow(), cancellationToken);
        }
        catch
        {
            _reservations.Clear();
            _reservations.AddRange(before.Values);
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task<ProjectDetails> WriteChangeAsync(ProjectDetails current, ProjectDetails updated, CancellationToken cancellationToken)
    {
        updated = updated with { Version = current.Version + 1, UpdatedAt = clock.GetUtcNow() };
        if (!await projects.UpdateAsync(current, updated, current.Version, AuditActor.Current, cancellationToken)) await ChangedElsewhereAsync(cancellationToken);
        _project = (updated, null);
        return updated;
    }

    /// <summary>The row moved on without this activation: adopt what is stored and tell the caller to retry on it.</summary>
    private async Task ChangedElsewhereAsync(CancellationToken cancellationToken)
    {
        _project = await projects.FindAsync(Id, cancellationToken);
        var stored = Details();
        throw new ConflictException("version", $"project {Id} was changed by another writer and is now at version {stored.Version}; read it again and retry");
    }

    private async Task RequireUserAsync(Guid userId)
    {
        try
        {
            await GrainFactory.GetGrain<IUserGrain>(userId).Get();
        }
        catch (NotFoundException)
        {
            throw new InvalidFieldException("owner_id", $"user {userId} does not exist");
        }
    }

    private async Task RequireWorkspaceAsync(Guid workspaceId)
    {
        try
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(workspaceId).Get();
        }
        catch (NotFoundException)
        {
            throw new InvalidFieldException("workspace_id", $"workspace {workspaceId} does not exist");
        }
    }

    private ProjectDetails Details() => _project is { DeletedAt: null } project ? project.Project : throw this.Missing("project", Id);
}
