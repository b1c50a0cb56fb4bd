using LatticeLock.Grains.Abstractions.Budgets;

namespace LatticeLock.Grains.Abstractions.Projects;

/// <summary>A project under orchestration. Updates carry the version they were based on (optimistic locking).</summary>
[Alias("ll.IProjectGrain")]
public interface IProjectGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<ProjectDetails> Create(CreateProject command, CancellationToken cancellationToken = default);
    [Alias("Get")] Task<ProjectDetails> Get();
    /// <summary>Applies the change when <see cref="UpdateProject.ExpectedVersion"/> is the current version; otherwise a conflict and nothing is written.</summary>
    [Alias("Update")] Task<ProjectDetails> Update(UpdateProject command, CancellationToken cancellationToken = default);
    [Alias("RecordError")] Task<long> RecordError(ProjectErrorReport error, CancellationToken cancellationToken = default);
    [Alias("SetValidationStatus")] Task<ProjectDetails> SetValidationStatus(ValidationKind kind, ValidationStatus status, CancellationToken cancellationToken = default);
    [Alias("Delete")] Task Delete(CancellationToken cancellationToken = default);

    /// <summary>Sets (or replaces) the monthly budget; thresholds already reached this month alert at once.</summary>
    [Alias("SetBudget")] Task<BudgetStatus> SetBudget(BudgetSettings settings, CancellationToken cancellationToken = default);
    /// <summary>The budget's month-to-date position; <c>NotFoundException</c> when the project has no budget.</summary>
    [Alias("GetBudget")] Task<BudgetStatus> GetBudget(CancellationToken cancellationToken = default);
    /// <summary>
    /// Holds the estimate when spent + reserved + estimate fits the monthly budget, else throws
    /// <c>BudgetExceededException</c>. Calls are serialized by the grain, so concurrent reservations never overbook.
    /// </summary>
    [Alias("Reserve")] Task<BudgetReservation> Reserve(ReserveBudget request, CancellationToken cancellationToken = default);
    /// <summary>Releases a reservation before it expires; <c>NotFoundException</c> when it is unknown, settled or expired.</summary>
    [Alias("ReleaseReservation")] Task ReleaseReservation(Guid reservationId, CancellationToken cancellationToken = default);
    /// <summary>Counts a newly stored request's cost (called by sessions); settles its reservation, if any, and says whether it did and whether a budget exists.</summary>
    [Alias("RecordSpend")] Task<SpendRecorded> RecordSpend(ProjectSpend spend, CancellationToken cancellationToken = default);
    /// <summary>A reprice changed stored costs of this project: month-to-date spend is summed from model_requests again now.</summary>
    [Alias("ResyncSpend")] Task ResyncSpend(CancellationToken cancellationToken = default);
}
