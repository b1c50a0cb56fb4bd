namespace LatticeLock.Storage.Retention;

/// <summary>The kinds of rows a workspace's retention settings expire (the columns <c>workspaces.retention_*_days</c>).</summary>
public enum RetentionKind
{
    ModelRequests,
    Spans,
    ChatTurns,
}
