using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Workspaces;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Whether a caller may do something in a workspace (<see cref="WorkspacePolicy"/>): the key must hold the permission's
/// scope (403), be bound to that workspace or to none (404 otherwise), and its user must be a member (404) whose role
/// reaches the permission's minimum (403). The role comes from the workspace's grain, the one place it changes, and is
/// remembered here for at most <see cref="RoleLifetime"/>: a role change or removal holds on every silo within a second.
/// A key a workspace admin made for a member (<see cref="ApiKeyPrincipal.MintedBy"/>) acts only while its maker is still
/// an admin or owner there, at the key user's role or above (403 otherwise), so demoting or removing the maker stops it.
/// An operator's <c>admin</c> key may do everything everywhere.
/// </summary>
public sealed class WorkspaceAccess(IGrainFactory grains, TimeProvider clock)
{
    /// <summary>How long a silo trusts a role it read (measured from before the read).</summary>
    public static readonly TimeSpan RoleLifetime = TimeSpan.FromMilliseconds(900);
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<(Guid Workspace, Guid User), (WorkspaceRole? Role, long ReadAt)> _roles = new();

    /// <summary>
    /// The caller's role in the workspace (null for an operator, who needs none), once allowed; 403 or 404 otherwise.
    /// The 404 names what the caller asked for (<paramref name="resource"/> <paramref name="resourceId"/>), never the workspace.
    /// </summary>
    public async ValueTask<WorkspaceRole?> RequireAsync(ApiKeyPrincipal caller, Guid workspaceId, WorkspacePermission permission, string resource, Guid resourceId)
    {
        if (!caller.Has(permission.Scope)) throw new ForbiddenException($"this API key lacks the '{permission.Scope}' scope");
        if (caller.IsAdmin) return null; // the operator acts everywhere; what does not exist answers its own 404
        if (caller.WorkspaceId is { } bound && bound != workspaceId) throw new NotFoundException(resource, resourceId);
        var role = await RoleAsync(workspaceId, caller.UserId) ?? throw new NotFoundException(resource, resourceId);
        if (role < permission.MinimumRole)
            throw new ForbiddenException($"your role in workspace {workspaceId} is {WireNames.Of(role)}; to {permission.Name} you need {WireNames.Of(permission.MinimumRole)} or higher");
        if (caller.MintedBy is { } minter)
        {
            var theirs = await RoleAsync(workspaceId, minter);
            if (theirs is null || theirs < WorkspaceRole.Admin || theirs < role)
                throw new ForbiddenException($"this API key was made for its user by user {minter}, who no longer manages keys at that role in workspace {workspaceId}");
        }
        return role;
    }

    /// <summary><see cref="RequireAsync(ApiKeyPrincipal, Guid, WorkspacePermission, string, Guid)"/> for the workspace itself.</summary>
    public ValueTask<WorkspaceRole?> RequireAsync(ApiKeyPrincipal caller, Guid workspaceId, WorkspacePermission permission) =>
        RequireAsync(caller, workspaceId, permission, "workspace", workspaceId);

    /// <summary>The user's current role in the workspace (at most <see cref="RoleLifetime"/> old), or null for a non-member.</summary>
    public async ValueTask<WorkspaceRole?> RoleAsync(Guid workspaceId, Guid userId)
    {
        var now = clock.GetTimestamp();
        if (_roles.TryGetValue((workspaceId, userId), out var known) && clock.GetElapsedTime(known.ReadAt, now) < RoleLifetime) return known.Role;
        var role = await grains.GetGrain<IWorkspaceGrain>(workspaceId).RoleOf(userId);
        if (_roles.Count >= MaxEntries) _roles.Clear();
        _roles[(workspaceId, userId)] = (role, now);
        return role;
    }

    /// <summary>Drops what this silo remembers of the user's role there (a change made through this silo holds here at once).</summary>
    public void Forget(Guid workspaceId, Guid userId) => _roles.TryRemove((workspaceId, userId), out _);

    /// <summary>The workspace a new thing goes into when the caller names none: the key's, else the user's personal one.</summary>
    public static Guid DefaultWorkspace(ApiKeyPrincipal caller) => caller.WorkspaceId ?? caller.UserId;

    /// <summary>What the database lets the caller's reads see (<see cref="WorkspaceWall"/>): an admin key everything; others their workspaces.</summary>
    public static WorkspaceReadScope ReadScope(ApiKeyPrincipal caller) =>
        caller.IsAdmin ? WorkspaceReadScope.Operator : WorkspaceReadScope.Member(caller.UserId, caller.WorkspaceId);
}
