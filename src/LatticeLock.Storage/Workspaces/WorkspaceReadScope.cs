namespace LatticeLock.Storage.Workspaces;

/// <summary>
/// Whose rows a read may see, as the database enforces it (<see cref="WorkspaceWall"/>): the workspaces
/// <see cref="UserId"/> is a member of (only <see cref="BoundWorkspace"/> when the caller's key is bound to one), or
/// everything for the operator (<see cref="Operator"/>: an <c>admin</c> key, the CLI, the silo's own jobs).
/// </summary>
public sealed record WorkspaceReadScope
{
    private WorkspaceReadScope(Guid? userId, Guid? boundWorkspace) => (UserId, BoundWorkspace) = (userId, boundWorkspace);

    public static readonly WorkspaceReadScope Operator = new(null, null);

    /// <summary>A member's reads: the live workspaces <paramref name="userId"/> belongs to, or only the bound one.</summary>
    public static WorkspaceReadScope Member(Guid userId, Guid? boundWorkspace) => new(userId, boundWorkspace);

    public Guid? UserId { get; }

    public Guid? BoundWorkspace { get; }

    public bool IsOperator => UserId is null;
}
