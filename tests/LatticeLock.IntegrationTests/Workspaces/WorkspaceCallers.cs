using System.Net;
using LatticeLock.Grains.Abstractions.Workspaces;

namespace LatticeLock.IntegrationTests;

/// <summary>The kinds of caller the policy matrices run: four roles, a non-member, a key bound to another workspace, the operator.</summary>
public enum WorkspaceCaller { Owner, Admin, Member, Viewer, NonMember, KeyBoundElsewhere, Operator }

/// <summary>
/// What a caller must get for a call that needs a <see cref="WorkspacePermission"/>, from the permission alone: the one
/// rule both matrices (HTTP and typed client) check. An operator and a member whose role reaches the permission's
/// minimum are allowed; a member below it gets 403; a non-member and a key bound to another workspace get 404.
/// </summary>
public static class WorkspacePolicyExpectation
{
    public static HttpStatusCode Expected(WorkspaceCaller caller, WorkspacePermission permission, HttpStatusCode allowed) => caller switch
    {
        WorkspaceCaller.Operator => allowed,
        WorkspaceCaller.NonMember or WorkspaceCaller.KeyBoundElsewhere => HttpStatusCode.NotFound,
        _ => RoleOf(caller) >= permission.MinimumRole ? allowed : HttpStatusCode.Forbidden,
    };

    public static WorkspaceRole RoleOf(WorkspaceCaller caller) => caller switch
    {
        WorkspaceCaller.Owner => WorkspaceRole.Owner,
        WorkspaceCaller.Admin => WorkspaceRole.Admin,
        WorkspaceCaller.Member => WorkspaceRole.Member,
        WorkspaceCaller.Viewer => WorkspaceRole.Viewer,
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };
}
