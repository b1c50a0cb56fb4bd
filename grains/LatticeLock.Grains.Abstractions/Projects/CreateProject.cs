namespace LatticeLock.Grains.Abstractions.Projects;

[GenerateSerializer, Immutable, Alias("ll.CreateProject")]
public sealed record CreateProject(Guid OwnerId, string Name, string? Path);
