namespace LatticeLock.Grains.Abstractions.Sessions;

[GenerateSerializer, Immutable, Alias("ll.SessionSummary")]
public sealed record SessionSummary(
    Guid Id,
    Guid UserId,
    Guid? ProjectId,
    Guid WorkspaceId,
    SessionStatus Status,
    long RequestCount,
    long InputTokens,
    long OutputTokens,
    decimal TotalCostUsd,
    IReadOnlyList<string> Models,
    string? MetadataJson,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? EndedAt);

public enum SessionStatus { Active = 0, Ended = 1 }
