using LatticeLock.Grains.Abstractions.Audit;

namespace LatticeLock.Storage.Audit;

/// <summary>
/// A change to append to a workspace's audit log: what was done to which resource, the values before and after
/// (<paramref name="Old"/>, <paramref name="New"/>: any JSON-serializable value, null when there is none), and who did it.
/// </summary>
public sealed record AuditRecord(Guid WorkspaceId, string Action, string ResourceType, string ResourceId, object? Old, object? New,
    AuditActor? Actor, int Status = 200);
