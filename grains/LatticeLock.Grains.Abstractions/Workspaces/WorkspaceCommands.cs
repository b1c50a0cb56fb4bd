namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>Create a workspace; <paramref name="OwnerId"/> becomes its first owner. Without a slug one is made from the name.</summary>
[GenerateSerializer, Immutable, Alias("ll.CreateWorkspace")]
public sealed record CreateWorkspace(Guid OwnerId, string? Name, string? Slug);

/// <summary>
/// Rename a workspace, change its slug (admins) or its retention (owners: the whole new setting; null leaves it), when
/// it is still at <paramref name="ExpectedVersion"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.UpdateWorkspace")]
public sealed record UpdateWorkspace(Guid? ActorId, int ExpectedVersion, string? Name, string? Slug, WorkspaceRetention? Retention = null);

/// <summary>Add a member, or change a member's role, as <paramref name="ActorId"/> (who must be allowed to; null: the operator).</summary>
[GenerateSerializer, Immutable, Alias("ll.SetWorkspaceMember")]
public sealed record SetWorkspaceMember(Guid? ActorId, Guid UserId, WorkspaceRole Role);
