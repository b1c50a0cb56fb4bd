using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Budgets;
using LatticeLock.Storage.Projects;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Projects;

public sealed class ProjectGrain(
    [PersistentState("project", GrainStorage.Name)] IPersistentState<ProjectState> state,
    ProjectRepository projects,
    BudgetRepository budgets,
    AlertEventRepository alerts,
    TimeProvider clock,
    ILogger<ProjectGrain> logger) : Grain, IProjectGrain
{
    private ProjectBudgetLedger? _budget;
    private IGrainTimer? _resync;

    private Guid Id => this.GetPrimaryKey();
    private ProjectBudgetLedger Budget => _budget ??= new ProjectBudgetLedger(Id, budgets, alerts, clock, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The projects row is written before the grain state; a newer row means a state write was lost.
        if (await projects.FindAsync(Id, cancellationToken) is { } row && (row.Project.Version > state.State.Version || (row.DeletedAt is not null && state.State.DeletedAt is null)))
        {
            Adopt(row.Project);
            state.State.DeletedAt = row.DeletedAt;
        }
        if (state.State.Exists)
        {
            await Budget.LoadAsync(cancellationToken);
            EnsureResyncTimer();
        }
    }

    async Task<ProjectDetails> IProjectGrain.Create(CreateProject command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.OwnerId, "owner_id");
        var name = Require.Text(command.Name, "name", Limits.NameMaxLength);
        var path = Require.OptionalText(command.Path, "path", Limits.PathMaxLength);
        if (state.State.DeletedAt is not null) throw new ConflictException("id", $"project {Id} was deleted");
        if (state.State.Exists)
        {
            return state.State.OwnerId == command.OwnerId && state.State.Name == name && state.State.Path == path
                ? Details()
                : throw new ConflictException("id", $"project {Id} already exists");
        }
        await RequireUserAsync(command.OwnerId);

        var now = clock.GetUtcNow();
        var created = new ProjectDetails(Id, command.OwnerId, name, path, ProjectStatus.Unknown,
            ValidationStatus.NotRun, ValidationStatus.NotRun, ValidationStatus.NotRun, null, 1, now, now);
        await projects.InsertAsync(created, cancellationToken);
        await SaveAsync(created, cancellationToken);
        return created;
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
        Details();
        var now = clock.GetUtcNow();
        await projects.SoftDeleteAsync(Id, now, cancellationToken);
        state.State.DeletedAt = now;
        await this.PersistOrDeactivateAsync(state, cancellationToken);
    }

    async Task<BudgetStatus> IProjectGrain.SetBudget(BudgetSettings settings, CancellationToken cancellationToken)
    {
        Details();
        var status = await Budget.SetAsync(settings, state.State.Reservations, cancellationToken);
        EnsureResyncTimer();
        return status;
    }

    async Task<BudgetStatus> IProjectGrain.GetBudget(CancellationToken cancellationToken)
    {
        Details();
        return await Budget.GetAsync(state.State.Reservations, cancellationToken);
    }

    async Task<BudgetReservation> IProjectGrain.Reserve(ReserveBudget request, CancellationToken cancellationToken)
    {
        Details();
        var reservation = await Budget.ReserveAsync(request, state.State.Reservations, cancellationToken);
        await this.PersistOrDeactivateAsync(state, cancellationToken); // acknowledged only once the hold is stored
        return reservation;
    }

    async Task IProjectGrain.ReleaseReservation(Guid reservationId, CancellationToken cancellationToken)
    {
        Details();
        if (!Budget.Release(reservationId, state.State.Reservations)) throw new NotFoundException("reservation", reservationId);
        await this.PersistOrDeactivateAsync(state, cancellationToken);
    }

    async Task<bool> IProjectGrain.RecordSpend(ProjectSpend spend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spend);
        if (!state.State.Exists) return false; // a deleted project's requests still count in model_requests, not here
        var settled = await Budget.RecordSpendAsync(spend, state.State.Reservations, cancellationToken);
        if (settled) await this.PersistOrDeactivateAsync(state, cancellationToken);
        EnsureResyncTimer();
        return settled;
    }

    /// <summary>
    /// While a budget exists, spend is re-summed from model_requests every minute, so a report that never arrived
    /// (a session's call that timed out, a retried request whose first attempt was stored) is corrected within a minute.
    /// </summary>
    private void EnsureResyncTimer()
    {
        if (_resync is not null || !Budget.HasBudget) return;
        _resync = this.RegisterGrainTimer(ct => Budget.ResyncAsync(ct), new GrainTimerCreationOptions(ProjectBudgetLedger.ResyncInterval, ProjectBudgetLedger.ResyncInterval));
    }

    private async Task<ProjectDetails> WriteChangeAsync(ProjectDetails current, ProjectDetails updated, CancellationToken cancellationToken)
    {
        updated = updated with { Version = current.Version + 1, UpdatedAt = clock.GetUtcNow() };
        await projects.UpdateAsync(updated, current.Version, cancellationToken);
        await SaveAsync(updated, cancellationToken);
        return updated;
    }

    private async Task SaveAsync(ProjectDetails d, CancellationToken cancellationToken)
    {
        Adopt(d);
        await this.PersistOrDeactivateAsync(state, cancellationToken);
    }

    private void Adopt(ProjectDetails d)
    {
        var reservations = state.State.Reservations;
        state.State = new ProjectState
        {
            Reservations = reservations,
            OwnerId = d.OwnerId, Name = d.Name, Path = d.Path, Status = d.Status, SchemaStatus = d.SchemaStatus,
            SheriffStatus = d.SheriffStatus, GauntletStatus = d.GauntletStatus, LastValidated = d.LastValidated,
            Version = d.Version, CreatedAt = d.CreatedAt, UpdatedAt = d.UpdatedAt,
        };
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

    private ProjectDetails Details()
    {
        var s = state.State;
        return s.Exists
            ? new ProjectDetails(Id, s.OwnerId, s.Name, s.Path, s.Status, s.SchemaStatus, s.SheriffStatus, s.GauntletStatus,
                s.LastValidated, s.Version, s.CreatedAt, s.UpdatedAt)
            : throw new NotFoundException("project", Id);
    }
}
