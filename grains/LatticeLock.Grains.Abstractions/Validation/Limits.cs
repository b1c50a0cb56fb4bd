namespace LatticeLock.Grains.Abstractions.Validation;

/// <summary>The documented size limits enforced at every boundary (grain interface and HTTP).</summary>
public static class Limits
{
    public const int NameMaxLength = 256;          // user/project/chat names, model and provider ids
    public const int EmailMaxLength = 254;
    public const int PathMaxLength = 1024;
    public const int ShortCodeMaxLength = 64;      // task type, priority, error code, error type, severity
    public const int TraceIdMaxLength = 64;
    public const int SpanIdMaxLength = 32;
    public const int TextMaxLength = 16 * 1024;    // error messages, selection reasons, project error messages
    public const int TurnContentMaxBytes = 256 * 1024;
    public const int JsonMaxBytes = 64 * 1024;     // metadata, function calls/results
    public const int RawPayloadMaxBytes = 1024 * 1024; // raw_request / raw_response
    public const decimal MaxCostUsd = 9999.99999999m; // numeric(12,8)
    public const int CostScale = 8;
    public const int MaxTurnsPerRead = 1000;

    /// <summary>
    /// Models a session lists in its summary: the alphabetically first 64 of those it used. Requests of any further
    /// model are recorded and counted in the totals as usual; only the list is bounded.
    /// </summary>
    public const int MaxSessionModels = 64;

    /// <summary>Content bytes (UTF-8) one read of turns returns at most (at least one turn, whatever its size); the rest by cursor.</summary>
    public const int MaxTurnPageBytes = 4 * 1024 * 1024;

    /// <summary>Members one workspace may have (409 beyond), and workspaces one user may belong to (listed; 409 when a 101st is joined).</summary>
    public const int MaxWorkspaceMembers = 1000;
    public const int MaxWorkspacesPerUser = 100;

    /// <summary>A workspace slug: 3-64 characters, lower-case letters, digits and inner hyphens; <c>u-</c> is reserved for personal workspaces.</summary>
    public const int SlugMaxLength = 64;
}
