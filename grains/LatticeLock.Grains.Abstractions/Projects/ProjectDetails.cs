namespace LatticeLock.Grains.Abstractions.Projects;

[GenerateSerializer, Immutable, Alias("ll.ProjectDetails")]
public sealed record ProjectDetails(
    Guid Id,
    Guid OwnerId,
    Guid WorkspaceId,
    string Name,
    string? Path,
    ProjectStatus Status,
    ValidationStatus SchemaStatus,
    ValidationStatus SheriffStatus,
    ValidationStatus GauntletStatus,
    DateTimeOffset? LastValidated,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
