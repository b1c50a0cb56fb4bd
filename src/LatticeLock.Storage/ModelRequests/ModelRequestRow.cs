using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// A validated model request together with the session, user and project (if any) it is charged to, and the hash of
/// its payload as the client sent it (<see cref="ModelRequestPayload"/>), which tells a retry from a reused id.
/// </summary>
public sealed record ModelRequestRow(Guid SessionId, Guid UserId, ModelRequestRecord Request, Guid? ProjectId = null, byte[]? PayloadHash = null,
    Guid? WorkspaceId = null);
