using System.Globalization;
using System.Text;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Users;
using LatticeLock.Storage.Workspaces;

namespace LatticeLock.Grains.Workspaces;

/// <summary>
/// A workspace and its members, held hot. The <c>workspaces</c> row and its <c>workspace_members</c> rows are its one
/// store (loaded on activation; each change one confirmed transaction with its audit row, the row's version guarding
/// renames). Invariants
/// held here: a workspace always keeps an owner; only owners (or the operator) add, change or remove owners;
/// admins manage the other members; anyone may leave, except the last owner.
/// </summary>
public sealed class WorkspaceGrain(WorkspaceRepository workspaces, UserRepository users, TimeProvider clock) : Grain, IWorkspaceGrain
{
    private WorkspaceDetails? _workspace;
    private DateTimeOffset? _deletedAt;
    private Dictionary<Guid, WorkspaceMember> _members = [];

    private Guid Id => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailures.GuardActivationAsync(LoadAsync);

    private async Task LoadAsync()
    {
        if (await workspaces.FindAsync(Id, CancellationToken.None) is { } stored)
            (_workspace, _deletedAt, _members) = stored;
    }

    async Task<WorkspaceDetails> IWorkspaceGrain.Create(CreateWorkspace command, CancellationToken cancellationToken)
    {
        Require.Id(Id, "id");
        ArgumentNullException.ThrowIfNull(command);
        Require.Id(command.OwnerId, "owner_id");
        var name = Require.Text(command.Name, "name", 200);
        var slug = command.Slug is null ? SlugFrom(name) : RequireSlug(command.Slug);
        if (_workspace is null)
        {
            var now = clock.GetUtcNow();
            var created = new WorkspaceDetails(Id, name, slug, null, 1, now, now, WorkspaceRetention.KeepEverything);
            if (await workspaces.InsertAsync(created, command.OwnerId, Audit("workspace.create", "workspace", Id, null, created), cancellationToken))
            {
                _workspace = created;
                _members = new() { [command.OwnerId] = new WorkspaceMember(command.OwnerId, WorkspaceRole.Owner, now) };
                return created;
            }
            await LoadAsync(); // another activation (or a retry) stored this id first: answer from what it stored
            if (_workspace is null) throw new StorageFailureException($"workspace {Id} was neither inserted nor found", null);
        }
        if (_deletedAt is not null) throw new ConflictException("id", $"workspace {Id} was deleted");
        var repeat = _workspace.Name == name && (command.Slug is null || _workspace.Slug == slug)
            && _members.TryGetValue(command.OwnerId, out var owner) && owner.Role == WorkspaceRole.Owner;
        return repeat ? _workspace : throw new ConflictException("id", $"workspace {Id} already exists");
    }

    Task<WorkspaceDetails> IWorkspaceGrain.Get() => Task.FromResult(Live());

    Task<WorkspaceRole?> IWorkspaceGrain.RoleOf(Guid userId) =>
        Task.FromResult(_workspace is not null && _deletedAt is null && _members.TryGetValue(userId, out var m) ? m.Role : (WorkspaceRole?)null);

    async Task<WorkspaceDetails> IWorkspaceGrain.Update(UpdateWorkspace command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = Live();
        RequireRole(command.ActorId, WorkspaceRole.Admin, "rename this workspace");
        var name = command.Name is null ? current.Name : Require.Text(command.Name, "name", 200);
        var slug = command.Slug is null ? current.Slug : RequireSlug(command.Slug);
        if (current.PersonalOf is not null && slug != current.Slug) throw new InvalidFieldException("slug", "a personal workspace keeps its slug");
        var retention = command.Retention?.Validated() ?? current.Retention;
        // How long the workspace's records live is the owners' decision (it deletes data), not the admins'.
        if (retention != current.Retention) RequireRole(command.ActorId, WorkspaceRole.Owner, "change the retention settings");
        if (command.ExpectedVersion != current.Version)
            throw new ConflictException("version", $"workspace {Id} is at version {current.Version}, not {command.ExpectedVersion}; read it again");
        var updated = current with { Name = name, Slug = slug, Retention = retention, Version = current.Version + 1, UpdatedAt = clock.GetUtcNow() };
        if (!await workspaces.UpdateAsync(updated, command.ExpectedVersion, Audit("workspace.update", "workspace", Id, current, updated), cancellationToken))
        {
            await LoadAsync(); // a stale activation: adopt the stored row, the caller reads again
            throw new ConflictException("version", $"workspace {Id} changed meanwhile; read it again");
        }
        _workspace = updated;
        return updated;
    }

    async Task IWorkspaceGrain.Delete(Guid? actorId, CancellationToken cancellationToken)
    {
        var current = Live();
        RequireRole(actorId, WorkspaceRole.Owner, "delete this workspace");
        if (current.PersonalOf is not null) throw new ConflictException("id", "a personal workspace is deleted with its user, not on its own");
        var now = clock.GetUtcNow();
        if (!await workspaces.SoftDeleteAsync(Id, now, current.Version, Audit("workspace.delete", "workspace", Id, current, null), cancellationToken))
        {
            await LoadAsync();
            throw new ConflictException("version", $"workspace {Id} changed meanwhile; read it again");
        }
        _deletedAt = now;
    }

    Task<IReadOnlyList<WorkspaceMember>> IWorkspaceGrain.Members()
    {
        Live();
        return Task.FromResult<IReadOnlyList<WorkspaceMember>>([.. _members.Values.OrderBy(m => m.AddedAt).ThenBy(m => m.UserId)]);
    }

    async Task<bool> IWorkspaceGrain.SetMember(SetWorkspaceMember command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        Live();
        Require.Id(command.UserId, "user_id");
        var role = Require.Defined(command.Role, "role");
        var existing = _members.GetValueOrDefault(command.UserId);
        // Owners are the owners' business: making one, or changing one, needs an owner (or the operator).
        var touchesOwner = role == WorkspaceRole.Owner || existing?.Role == WorkspaceRole.Owner;
        RequireRole(command.ActorId, touchesOwner ? WorkspaceRole.Owner : WorkspaceRole.Admin, touchesOwner ? "manage owners" : "manage members");
        if (existing is null)
        {
            if (_members.Count >= Limits.MaxWorkspaceMembers)
                throw new ConflictException("user_id", $"workspace {Id} has {Limits.MaxWorkspaceMembers} members, the most one may have");
            if (await users.FindAsync(command.UserId, cancellationToken) is not { IsDeleted: false })
                throw new NotFoundException("user", command.UserId);
        }
        else if (existing.Role == role)
        {
            return false;
        }
        if (existing?.Role == WorkspaceRole.Owner) RequireAnotherOwner(command.UserId, "demote");
        var member = new WorkspaceMember(command.UserId, role, existing?.AddedAt ?? clock.GetUtcNow());
        await workspaces.SetMemberAsync(Id, member, Audit(existing is null ? "member.add" : "member.role", "member", command.UserId, existing, member), cancellationToken);
        _members[command.UserId] = member;
        return existing is null;
    }

    async Task IWorkspaceGrain.RemoveMember(Guid? actorId, Guid userId, CancellationToken cancellationToken)
    {
        Live();
        if (!_members.TryGetValue(userId, out var member)) throw new NotFoundException("member", userId);
        // Anyone may leave; removing someone else needs an admin, or an owner when they are an owner.
        if (actorId != userId)
            RequireRole(actorId, member.Role == WorkspaceRole.Owner ? WorkspaceRole.Owner : WorkspaceRole.Admin, "remove this member");
        if (member.Role == WorkspaceRole.Owner) RequireAnotherOwner(userId, "remove");
        await workspaces.RemoveMemberAsync(Id, userId, Audit("member.remove", "member", userId, member, null), cancellationToken);
        _members.Remove(userId);
    }

    /// <summary>The audit row of a change here, by the caller of this grain call (the gateway puts it in the request context).</summary>
    private AuditRecord Audit(string action, string resourceType, Guid resourceId, object? old, object? @new) =>
        new(Id, action, resourceType, resourceId.ToString(), old, @new, AuditActor.Current);

    private WorkspaceDetails Live() =>
        _workspace is not null && _deletedAt is null ? _workspace : throw new NotFoundException("workspace", Id);

    /// <summary>Forbidden unless the actor is the operator (null) or holds at least <paramref name="needed"/> here.</summary>
    private void RequireRole(Guid? actorId, WorkspaceRole needed, string what)
    {
        if (actorId is not { } actor) return;
        var role = _members.TryGetValue(actor, out var m) ? m.Role : (WorkspaceRole?)null;
        if (role is null) throw new NotFoundException("workspace", Id); // not a member: the workspace is not revealed
        if (role < needed)
            throw new ForbiddenException($"only a workspace {WireNames.Of(needed)} may {what}; you are a {WireNames.Of(role.Value)} of workspace {Id}");
    }

    private void RequireAnotherOwner(Guid userId, string verb)
    {
        if (!_members.Values.Any(m => m.Role == WorkspaceRole.Owner && m.UserId != userId))
            throw new ConflictException("user_id", $"cannot {verb} the last owner of workspace {Id}; make another member an owner first");
    }

    /// <summary>A slug as given: 3-64 of a-z, 0-9 and inner hyphens, not starting with the personal prefix <c>u-</c>.</summary>
    private static string RequireSlug(string slug)
    {
        var valid = slug.Length is >= 3 and <= Limits.SlugMaxLength && slug[0] != '-' && slug[^1] != '-'
            && slug.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
        if (!valid) throw new InvalidFieldException("slug", "must be 3-64 characters of a-z, 0-9 and inner hyphens");
        if (slug.StartsWith("u-", StringComparison.Ordinal)) throw new InvalidFieldException("slug", "the prefix 'u-' is reserved for personal workspaces");
        return slug;
    }

    /// <summary>A slug made from the name and the id (unique without a lookup): "Platform Team" → "platform-team-3f9a1c".</summary>
    private string SlugFrom(string name)
    {
        var text = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9')) text.Append(c);
            else if (text.Length > 0 && text[^1] != '-') text.Append('-');
            if (text.Length >= 48) break;
        }
        var stem = text.ToString().Trim('-');
        if (stem.StartsWith("u-", StringComparison.Ordinal) || stem == "u") stem = "w" + stem;
        var suffix = Id.ToString("N", CultureInfo.InvariantCulture)[..6];
        return stem.Length == 0 ? $"workspace-{suffix}" : $"{stem}-{suffix}";
    }
}
