namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>What an API key may do. <see cref="Admin"/> may do everything, for every user.</summary>
public static class ApiScopes
{
    public const string SessionsRead = "sessions:read";
    public const string SessionsWrite = "sessions:write";
    public const string ProjectsRead = "projects:read";
    public const string ProjectsWrite = "projects:write";
    public const string AnalyticsRead = "analytics:read";
    /// <summary>Create and revoke API keys of the key's own user (only with scopes the key itself holds).</summary>
    public const string KeysWrite = "keys:write";
    /// <summary>Reveal a workspace's provider credentials in plaintext (with the admin role there; every reveal is audited).</summary>
    public const string CredentialsRead = "credentials:read";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [SessionsRead, SessionsWrite, ProjectsRead, ProjectsWrite, AnalyticsRead, KeysWrite, CredentialsRead, Admin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
