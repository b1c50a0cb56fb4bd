namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>What an API key may do. <see cref="Admin"/> may do everything, for every user.</summary>
public static class ApiScopes
{
    public const string SessionsRead = "sessions:read";
    public const string SessionsWrite = "sessions:write";
    public const string ProjectsRead = "projects:read";
    public const string ProjectsWrite = "projects:write";
    public const string AnalyticsRead = "analytics:read";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [SessionsRead, SessionsWrite, ProjectsRead, ProjectsWrite, AnalyticsRead, Admin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
