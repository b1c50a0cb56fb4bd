namespace LatticeLock.Grains.Abstractions.Projects;

/// <summary><paramref name="WorkspaceId"/> null: the owner's personal workspace (whose id is the owner's).</summary>
[GenerateSerializer, Immutable, Alias("ll.CreateProject")]
public sealed record CreateProject(Guid OwnerId, string Name, string? Path, Guid? WorkspaceId = null);
