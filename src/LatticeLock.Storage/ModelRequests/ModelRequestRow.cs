using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>A validated model request together with the session and user it is charged to.</summary>
public sealed record ModelRequestRow(Guid SessionId, Guid UserId, ModelRequestRecord Request);
