using LatticeLock.Storage.Workspaces;

namespace LatticeLock.Storage.Analytics;

/// <summary>
/// Whose requests a query sees: those of one workspace, one user and one project, each when given; and behind that,
/// only rows of the workspaces <see cref="Reader"/> may read (<see cref="WorkspaceWall"/>).
/// </summary>
public sealed record AnalyticsScope(WorkspaceReadScope Reader, Guid? WorkspaceId, Guid? UserId, Guid? ProjectId)
{
    public static readonly AnalyticsScope Everything = new(WorkspaceReadScope.Operator, null, null, null);
}
