using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Who owns a session and which project it charges, remembered by this silo: both are fixed when the session starts
/// and never change, so recording a request checks ownership without a second grain call. Only sessions that exist
/// are remembered; an unknown id still asks the grain (and answers 404).
/// </summary>
public sealed class SessionOwners(IGrainFactory grains)
{
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<Guid, (Guid UserId, Guid? ProjectId)> _owners = new();

    /// <summary>The session's owner and project; 404 when it does not exist, 403 when the caller may not use it.</summary>
    public async Task<(Guid UserId, Guid? ProjectId)> RequireOwnedAsync(ApiKeyPrincipal caller, Guid sessionId)
    {
        if (!_owners.TryGetValue(sessionId, out var owner))
        {
            var summary = await SessionsApi.OwnedAsync(grains, caller, sessionId);
            owner = (summary.UserId, summary.ProjectId);
            if (_owners.Count >= MaxEntries) _owners.Clear();
            _owners[sessionId] = owner;
        }
        caller.RequireOwner(owner.UserId);
        return owner;
    }
}
