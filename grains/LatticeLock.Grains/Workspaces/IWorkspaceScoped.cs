namespace LatticeLock.Grains.Workspaces;

/// <summary>
/// A grain whose entity lives in a workspace. The silo's call authorization reads it inside the grain's own turn
/// (before the call runs), so authorizing a client's call costs no second call to the grain. Null: no such entity.
/// </summary>
public interface IWorkspaceScoped
{
    Guid? ScopeWorkspaceId { get; }
}

/// <summary>A grain whose entity belongs to a session (and so to the session's workspace). Null: no such entity.</summary>
public interface ISessionScoped
{
    Guid? ScopeSessionId { get; }
}
