namespace LatticeLock.Grains.Abstractions.Projects;

/// <summary>Null leaves a field as it is.</summary>
[GenerateSerializer, Immutable, Alias("ll.UpdateProject")]
public sealed record UpdateProject(int ExpectedVersion, string? Name, string? Path, ProjectStatus? Status);
