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
}
