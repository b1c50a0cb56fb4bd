namespace LatticeLock.Grains.Abstractions.Audit;

/// <summary>
/// One row of a workspace's audit log: <paramref name="Seq"/> counts from 1 per workspace, and
/// <paramref name="Hash"/> = SHA-256(<paramref name="PrevHash"/> ‖ the row's canonical form), so changing, removing or
/// reordering any row breaks every hash after it. <paramref name="ChangesJson"/> is <c>{"old": …, "new": …}</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.AuditEntry")]
public sealed record AuditEntry(Guid WorkspaceId, long Seq, DateTimeOffset At, Guid? ActorUserId, Guid? ActorKeyId, string Action,
    string ResourceType, string ResourceId, string ChangesJson, string? Ip, string? UserAgent, int Status, byte[] PrevHash, byte[] Hash);
