using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Who owns a session and which project it charges, remembered by this silo with the session's grain reference: both
/// are fixed when the session starts and never change, so recording a request checks ownership without a second grain
/// call (and without GetGrain, whose interface-type lookup reflects over attributes on every call: about 5 % of the
/// silo's CPU per single-request ingest in a profile). Only sessions that exist are remembered; an unknown id still
/// asks the grain (and answers 404).
/// </summary>
public sealed class SessionOwners(IGrainFactory grains)
{
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<Guid, (Guid UserId, Guid? ProjectId, ISessionGrain Grain)> _owners = new();

    /// <summary>The session's owner, project and grain; 404 when it does not exist, 403 when the caller may not use it.</summary>
    public async Task<(Guid UserId, Guid? ProjectId, ISessionGrain Grain)> RequireOwnedAsync(ApiKeyPrincipal caller, Guid sessionId)
    {
        if (!_owners.TryGetValue(sessionId, out var owner))
        {
            var summary = await SessionsApi.OwnedAsync(grains, caller, sessionId);
            owner = (summary.UserId, summary.ProjectId, grains.GetGrain<ISessionGrain>(sessionId));
            if (_owners.Count >= MaxEntries) _owners.Clear();
            _owners[sessionId] = owner;
        }
        caller.RequireOwner(owner.UserId);
        return owner;
    }
}
