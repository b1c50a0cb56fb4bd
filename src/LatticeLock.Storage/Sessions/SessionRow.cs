namespace LatticeLock.Storage.Sessions;

/// <summary>A row of <c>sessions</c>.</summary>
public sealed record SessionRow(Guid UserId, Guid? ProjectId, string? MetadataJson, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);
