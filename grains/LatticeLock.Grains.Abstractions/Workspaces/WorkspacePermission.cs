namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// One thing a caller may do in a workspace: allowed when the key holds <paramref name="Scope"/> and the key's user holds at
/// least <paramref name="MinimumRole"/> there (an operator's <c>admin</c> key holds both everywhere). A caller who is not a
/// member (or whose key is bound to another workspace) learns nothing: 404; a member whose role is too low gets 403.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.WorkspacePermission")]
public sealed record WorkspacePermission(string Name, string Scope, WorkspaceRole MinimumRole);
