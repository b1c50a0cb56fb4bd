using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Workspaces;
namespace LatticeLock.Silo.Auth;

/// <summary>
/// Who started a session, which project it charges and which workspace it lives in, remembered by this silo with the
/// session's grain reference: all three are fixed when the session starts and never change, so recording a request is
/// authorized without a second grain call (and without GetGrain, whose interface-type lookup reflects over attributes on
/// every call: about 5 % of the silo's CPU per single-request ingest in a profile). Only sessions that exist are
/// remembered; an unknown id still asks the grain (and answers 404). The caller's role is checked on every call
/// (<see cref="WorkspaceAccess"/>). The one way a session's workspace is found for an authorization, over HTTP, OTLP and
/// the typed client alike.
/// </summary>
public sealed class SessionOwners(IGrainFactory grains, WorkspaceAccess access)
{
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<Guid, SessionOwner> _owners = new();

    public sealed record SessionOwner(Guid UserId, Guid? ProjectId, Guid WorkspaceId, ISessionGrain Grain);

    /// <summary>The session's owner, project, workspace and grain, once the caller may <paramref name="permission"/> in its workspace: 404 or 403 otherwise.</summary>
    public async Task<SessionOwner> RequireAsync(ApiKeyPrincipal caller, Guid sessionId, WorkspacePermission permission)
    {
        var owner = await FindAsync(sessionId);
        await access.RequireAsync(caller, owner.WorkspaceId, permission, "session", sessionId);
        return owner;
    }

    /// <summary>The session's owner, project, workspace and grain, whoever asks (NotFoundException when there is no such session).</summary>
    public async Task<SessionOwner> FindAsync(Guid sessionId)
    {
        if (_owners.TryGetValue(sessionId, out var owner)) return owner;
        var grain = grains.GetGrain<ISessionGrain>(sessionId);
        var summary = await grain.GetSummary();
        owner = new SessionOwner(summary.UserId, summary.ProjectId, summary.WorkspaceId, grain);
        if (_owners.Count >= MaxEntries) _owners.Clear();
        _owners[sessionId] = owner;
        return owner;
    }
}
