namespace LatticeLock.Storage.Sessions;

/// <summary>A row of <c>sessions</c>: the session grain's whole state besides its usage totals. <see cref="Version"/> guards every write.</summary>
public sealed record SessionRow(Guid UserId, Guid? ProjectId, Guid WorkspaceId, string? MetadataJson, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Version = 1);
