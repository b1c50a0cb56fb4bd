namespace LatticeLock.Storage.Retention;

/// <summary>One workspace's rows of one kind older than <paramref name="Before"/> have expired.</summary>
public readonly record struct RetentionCutoff(Guid WorkspaceId, DateTimeOffset Before);
