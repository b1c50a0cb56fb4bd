namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// A workspace and its members, held hot: the one place their invariants hold (a workspace always has an owner; only
/// owners touch owners; admins manage the other members). Every change names its actor; <c>null</c> actor rights
/// are the operator's (an <c>admin</c> key). A deleted workspace answers <c>NotFoundException</c>.
/// </summary>
[Alias("ll.IWorkspaceGrain")]
public interface IWorkspaceGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<WorkspaceDetails> Create(CreateWorkspace command, CancellationToken cancellationToken = default);
    [Alias("Get")] Task<WorkspaceDetails> Get();
    /// <summary>The user's role here, or null when the user is not a member (or the workspace does not exist).</summary>
    [Alias("RoleOf")] Task<WorkspaceRole?> RoleOf(Guid userId);
    [Alias("Update")] Task<WorkspaceDetails> Update(UpdateWorkspace command, CancellationToken cancellationToken = default);
    /// <summary>Soft-deletes the workspace (owners only; a personal workspace cannot be deleted).</summary>
    [Alias("Delete")] Task Delete(Guid? actorId, CancellationToken cancellationToken = default);
    [Alias("Members")] Task<IReadOnlyList<WorkspaceMember>> Members();
    /// <summary>Adds the member or changes its role; true when the member is new.</summary>
    [Alias("SetMember")] Task<bool> SetMember(SetWorkspaceMember command, CancellationToken cancellationToken = default);
    [Alias("RemoveMember")] Task RemoveMember(Guid? actorId, Guid userId, CancellationToken cancellationToken = default);
}
