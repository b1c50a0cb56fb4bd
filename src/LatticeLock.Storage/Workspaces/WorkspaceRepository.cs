using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Audit;
using Npgsql;

namespace LatticeLock.Storage.Workspaces;

/// <summary>
/// <c>workspaces</c> (the one store of a workspace, version-guarded like every entity) and <c>workspace_members</c>.
/// Every write commits together with its audit row (<see cref="AuditLog.WithAuditAsync{T}"/>), confirmed.
/// </summary>
public sealed class WorkspaceRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string SlugIndex = "ux_workspaces_slug";

    /// <summary>
    /// Inserts the workspace with <paramref name="ownerId"/> as its owner; false when this id exists already. A user
    /// who belongs to <see cref="Limits.MaxWorkspacesPerUser"/> live workspaces creates no more (ConflictException
    /// naming <c>workspaces</c>); one user's creations are counted one at a time.
    /// </summary>
    public Task<bool> InsertAsync(WorkspaceDetails workspace, Guid ownerId, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using (var count = new NpgsqlCommand("""
                SELECT pg_advisory_xact_lock(hashtextextended('workspaces_of:' || $1::text, 0));
                """, connection, transaction))
            {
                count.Parameters.AddWithValue(ownerId);
                await count.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var held = new NpgsqlCommand("""
                SELECT count(*) FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
                WHERE m.user_id = $1 AND w.deleted_at IS NULL AND w.id <> $2
                """, connection, transaction))
            {
                held.Parameters.AddWithValue(ownerId);
                held.Parameters.AddWithValue(workspace.Id);
                var belongs = (long)(await held.ExecuteScalarAsync(cancellationToken))!;
                if (belongs >= Limits.MaxWorkspacesPerUser)
                    throw new ConflictException("workspaces", $"you belong to {belongs} live workspaces, the most one user may ({Limits.MaxWorkspacesPerUser}); leave or delete one first");
            }
            await using var command = new NpgsqlCommand("""
                WITH w AS (
                    INSERT INTO workspaces (id, name, slug, personal_of, version, created_at, updated_at)
                    VALUES ($1, $2, $3, NULL, 1, $4, $4) ON CONFLICT (id) DO NOTHING RETURNING id)
                INSERT INTO workspace_members (workspace_id, user_id, role, added_at) SELECT id, $5, 'owner', $4 FROM w
                """, connection, transaction);
            command.Parameters.AddWithValue(workspace.Id);
            command.Parameters.AddWithValue(workspace.Name);
            command.Parameters.AddWithValue(workspace.Slug);
            command.Parameters.AddWithValue(workspace.CreatedAt);
            command.Parameters.AddWithValue(ownerId);
            var inserted = await ChangedOneAsync(command, workspace.Slug, cancellationToken);
            return (inserted, inserted);
        }, record, cancellationToken);

    /// <summary>The workspace and when it was deleted (null when live), with its members; null when there is no row.</summary>
    public async Task<(WorkspaceDetails Workspace, DateTimeOffset? DeletedAt, Dictionary<Guid, WorkspaceMember> Members)?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var workspace = new NpgsqlBatchCommand($"SELECT name, slug, personal_of, version, created_at, updated_at, deleted_at, {WorkspaceRetentionColumns.List} FROM workspaces WHERE id = $1");
        workspace.Parameters.AddWithValue(id);
        var members = new NpgsqlBatchCommand("SELECT user_id, role, added_at FROM workspace_members WHERE workspace_id = $1");
        members.Parameters.AddWithValue(id);
        batch.BatchCommands.Add(workspace);
        batch.BatchCommands.Add(members);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var details = new WorkspaceDetails(id, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetInt32(3),
            reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), WorkspaceRetentionColumns.Read(reader, 7));
        DateTimeOffset? deletedAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6);
        await reader.NextResultAsync(cancellationToken);
        var all = new Dictionary<Guid, WorkspaceMember>();
        while (await reader.ReadAsync(cancellationToken))
            all[reader.GetGuid(0)] = new WorkspaceMember(reader.GetGuid(0), WireNames.Parse<WorkspaceRole>(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2));
        return (details, deletedAt, all);
    }

    /// <summary>
    /// Writes name, slug, retention and the bumped version only if the stored version is
    /// <paramref name="expectedVersion"/>; false otherwise.
    /// </summary>
    public Task<bool> UpdateAsync(WorkspaceDetails workspace, int expectedVersion, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("""
                UPDATE workspaces SET name = $2, slug = $3, version = $4, updated_at = $5,
                    retention_model_requests_days = $7, retention_spans_days = $8, retention_chat_turns_days = $9
                WHERE id = $1 AND version = $6 AND deleted_at IS NULL
                """, connection, transaction);
            command.Parameters.AddWithValue(workspace.Id);
            command.Parameters.AddWithValue(workspace.Name);
            command.Parameters.AddWithValue(workspace.Slug);
            command.Parameters.AddWithValue(workspace.Version);
            command.Parameters.AddWithValue(workspace.UpdatedAt);
            command.Parameters.AddWithValue(expectedVersion);
            command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = workspace.Retention.ModelRequests, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = workspace.Retention.Spans, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = workspace.Retention.ChatTurns, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            var updated = await ChangedOneAsync(command, workspace.Slug, cancellationToken);
            return (updated, updated);
        }, record, cancellationToken);

    /// <summary>Marks the workspace deleted if it is still at <paramref name="expectedVersion"/>; false otherwise.</summary>
    public Task<bool> SoftDeleteAsync(Guid id, DateTimeOffset at, int expectedVersion, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("""
                UPDATE workspaces SET deleted_at = $2, updated_at = $2, version = version + 1
                WHERE id = $1 AND version = $3 AND deleted_at IS NULL
                """, connection, transaction);
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(at);
            command.Parameters.AddWithValue(expectedVersion);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            return (deleted, deleted);
        }, record, cancellationToken);

    /// <summary>Adds the member or sets its role.</summary>
    public Task SetMemberAsync(Guid workspaceId, WorkspaceMember member, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO workspace_members (workspace_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role
                """, connection, transaction);
            command.Parameters.AddWithValue(workspaceId);
            command.Parameters.AddWithValue(member.UserId);
            command.Parameters.AddWithValue(WireNames.Of(member.Role));
            command.Parameters.AddWithValue(member.AddedAt);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return (true, true);
        }, record, cancellationToken);

    public Task RemoveMemberAsync(Guid workspaceId, Guid userId, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2", connection, transaction);
            command.Parameters.AddWithValue(workspaceId);
            command.Parameters.AddWithValue(userId);
            var removed = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            return (removed, removed);
        }, record, cancellationToken);

    /// <summary>The live workspaces <paramref name="userId"/> belongs to, with the role in each, oldest first (at most <see cref="Limits.MaxWorkspacesPerUser"/>).</summary>
    public async Task<List<WorkspaceMembership>> ListForUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT w.id, w.name, w.slug, w.personal_of, w.version, w.created_at, w.updated_at, m.role,
                   {WorkspaceRetentionColumns.List}
            FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
            WHERE m.user_id = $1 AND w.deleted_at IS NULL
            ORDER BY w.created_at, w.id
            LIMIT $2
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(Limits.MaxWorkspacesPerUser);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<WorkspaceMembership>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var workspace = new WorkspaceDetails(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), WorkspaceRetentionColumns.Read(reader, 8));
            list.Add(new WorkspaceMembership(workspace, WireNames.Parse<WorkspaceRole>(reader.GetString(7))));
        }
        return list;
    }

    /// <summary>The user's role in the live workspace, or null when the user is not a member (or there is no such live workspace).</summary>
    public async Task<WorkspaceRole?> RoleOfAsync(Guid workspaceId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
            WHERE m.workspace_id = $1 AND m.user_id = $2 AND w.deleted_at IS NULL
            """);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(userId);
        return await command.ExecuteScalarAsync(cancellationToken) is string role ? WireNames.Parse<WorkspaceRole>(role) : null;
    }

    /// <summary>Runs a statement that writes one row or none; a slug another live workspace holds is 409 naming <c>slug</c>.</summary>
    private static async Task<bool> ChangedOneAsync(NpgsqlCommand command, string slug, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        catch (PostgresException e) when (e.IsUniqueViolation(SlugIndex))
        {
            throw SlugTaken(slug);
        }
    }

    private static ConflictException SlugTaken(string slug) => new("slug", $"the slug '{slug}' names another workspace; choose another");
}
