namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// <paramref name="MetadataJson"/> is a JSON object or null. <paramref name="WorkspaceId"/> null: the project's workspace,
/// or without a project the user's personal workspace; given with a project, it must be the project's.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.StartSession")]
public sealed record StartSession(Guid UserId, Guid? ProjectId, string? MetadataJson, Guid? WorkspaceId = null);
