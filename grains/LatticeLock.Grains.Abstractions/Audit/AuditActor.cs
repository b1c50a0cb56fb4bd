using Orleans.Runtime;

namespace LatticeLock.Grains.Abstractions.Audit;

/// <summary>
/// Who made a change, as the audit log records it: the key's user and key, the client's address and user agent, and
/// whether the key is an operator's (<c>admin</c>). The gateway puts it in the Orleans request context of every
/// authenticated call (<see cref="Current"/>), so grains record it without each command carrying it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.AuditActor")]
public sealed record AuditActor(Guid? UserId, Guid? KeyId, string? Ip, string? UserAgent, bool IsOperator)
{
    public const string ContextKey = "ll.audit-actor";

    /// <summary>The actor of the current grain call, or null outside an authenticated call (the CLI, a reminder).</summary>
    public static AuditActor? Current => RequestContext.Get(ContextKey) as AuditActor;
}
