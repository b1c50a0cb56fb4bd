namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// A workspace; <paramref name="PersonalOf"/> names the user whose personal workspace it is (its id is theirs), and
/// <paramref name="Retention"/> how long it keeps its rows.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.WorkspaceDetails")]
public sealed record WorkspaceDetails(Guid Id, string Name, string Slug, Guid? PersonalOf, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    WorkspaceRetention Retention);

/// <summary>One member of a workspace and its role.</summary>
[GenerateSerializer, Immutable, Alias("ll.WorkspaceMember")]
public sealed record WorkspaceMember(Guid UserId, WorkspaceRole Role, DateTimeOffset AddedAt);

/// <summary>A workspace as one of its members sees it: with that member's role.</summary>
[GenerateSerializer, Immutable, Alias("ll.WorkspaceMembership")]
public sealed record WorkspaceMembership(WorkspaceDetails Workspace, WorkspaceRole Role);
