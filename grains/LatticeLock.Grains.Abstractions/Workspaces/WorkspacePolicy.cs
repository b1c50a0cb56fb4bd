using LatticeLock.Grains.Abstractions.Auth;

namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// The one table of what each role may do (docs/workspaces.md): every workspace route, the OTLP intake and the typed
/// client's grain calls authorize against these entries, and the policy matrix test is generated from them.
/// </summary>
public static class WorkspacePolicy
{
    public static readonly WorkspacePermission ReadSessions = new("read sessions", ApiScopes.SessionsRead, WorkspaceRole.Viewer);
    public static readonly WorkspacePermission WriteSessions = new("write sessions", ApiScopes.SessionsWrite, WorkspaceRole.Member);
    public static readonly WorkspacePermission ReadProjects = new("read projects", ApiScopes.ProjectsRead, WorkspaceRole.Viewer);
    public static readonly WorkspacePermission ReportProjectErrors = new("report project errors", ApiScopes.ProjectsWrite, WorkspaceRole.Member);
    public static readonly WorkspacePermission ReserveBudget = new("reserve and release budget", ApiScopes.ProjectsWrite, WorkspaceRole.Member);
    public static readonly WorkspacePermission ManageProjects = new("manage projects and budgets", ApiScopes.ProjectsWrite, WorkspaceRole.Admin);
    public static readonly WorkspacePermission ReadAnalytics = new("read analytics", ApiScopes.AnalyticsRead, WorkspaceRole.Viewer);
    public static readonly WorkspacePermission ReadWorkspace = new("read the workspace and its members", ApiScopes.ProjectsRead, WorkspaceRole.Viewer);
    public static readonly WorkspacePermission ManageMembers = new("manage the workspace and its members", ApiScopes.ProjectsWrite, WorkspaceRole.Admin);
    public static readonly WorkspacePermission LeaveWorkspace = new("leave the workspace", ApiScopes.ProjectsWrite, WorkspaceRole.Viewer);
    public static readonly WorkspacePermission DeleteWorkspace = new("delete the workspace", ApiScopes.ProjectsWrite, WorkspaceRole.Owner);
    public static readonly WorkspacePermission ManageCredentials = new("manage provider credentials", ApiScopes.ProjectsWrite, WorkspaceRole.Admin);
    public static readonly WorkspacePermission RevealCredentials = new("reveal a provider credential", ApiScopes.CredentialsRead, WorkspaceRole.Admin);
    public static readonly WorkspacePermission ReadAudit = new("read the audit log", ApiScopes.ProjectsRead, WorkspaceRole.Admin);
    public static readonly WorkspacePermission ManagePrices = new("override model prices", ApiScopes.ProjectsWrite, WorkspaceRole.Admin);
    public static readonly WorkspacePermission ManageKeys = new("manage the workspace's API keys", ApiScopes.KeysWrite, WorkspaceRole.Admin);

    public static readonly IReadOnlyList<WorkspacePermission> All =
        [ReadSessions, WriteSessions, ReadProjects, ReportProjectErrors, ReserveBudget, ManageProjects, ReadAnalytics, ReadWorkspace, ManageMembers, LeaveWorkspace, DeleteWorkspace, ManageCredentials, RevealCredentials, ReadAudit, ManagePrices, ManageKeys];
}
