using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>A validated model request together with the session, user and project (if any) it is charged to.</summary>
public sealed record ModelRequestRow(Guid SessionId, Guid UserId, ModelRequestRecord Request, Guid? ProjectId = null);
