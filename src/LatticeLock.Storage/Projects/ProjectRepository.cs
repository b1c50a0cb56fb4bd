using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Commits;
using Npgsql;

namespace LatticeLock.Storage.Projects;

/// <summary>
/// The <c>projects</c> table (the one store of a project) and <c>project_errors</c>. Every change is guarded by the
/// row's version, so a write from a stale activation fails instead of overwriting. Every change commits with its row
/// in the workspace's audit log (<c>project.create</c>, <c>project.update</c>, <c>project.delete</c>).
/// </summary>
public sealed class ProjectRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>Inserts the project; false when a row with this id exists already (a retry or a race), once a synchronous standby holds it.</summary>
    public Task<bool> InsertAsync(ProjectDetails project, AuditActor? actor, CancellationToken cancellationToken) => audit.WithAuditAsync(async (connection, transaction) =>
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO projects (id, owner_id, name, path, status, schema_status, sheriff_status, gauntlet_status,
                                  last_validated, version, created_at, updated_at, created_by, updated_by, workspace_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $2, $2, $13)
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction);
        AddColumns(command, project);
        command.Parameters.AddWithValue(project.WorkspaceId);
        var inserted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        return (inserted, inserted);
    }, new AuditRecord(project.WorkspaceId, "project.create", "project", project.Id.ToString(), null, project, actor), cancellationToken);

    /// <summary>Writes <paramref name="project"/> (whose version is already bumped) only if the stored version is <paramref name="expectedVersion"/>; false otherwise.</summary>
    public Task<bool> UpdateAsync(ProjectDetails before, ProjectDetails project, int expectedVersion, AuditActor? actor, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
    {
        await using var command = new NpgsqlCommand("""
            UPDATE projects SET owner_id = $2, name = $3, path = $4, status = $5, schema_status = $6, sheriff_status = $7,
                   gauntlet_status = $8, last_validated = $9, version = $10, created_at = $11, updated_at = $12, updated_by = $2
            WHERE id = $1 AND version = $13 AND NOT is_deleted
            """, connection, transaction);
        AddColumns(command, project);
        command.Parameters.AddWithValue(expectedVersion);
        var updated = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        return (updated, updated);
    }, new AuditRecord(project.WorkspaceId, "project.update", "project", project.Id.ToString(), before, project, actor), cancellationToken);

    /// <summary>The stored project and when it was deleted (null when live), or null when there is no row.</summary>
    public async Task<(ProjectDetails Project, DateTimeOffset? DeletedAt)?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT owner_id, name, path, status, schema_status, sheriff_status, gauntlet_status, last_validated, version,
                   created_at, updated_at, deleted_at, workspace_id
            FROM projects WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var project = new ProjectDetails(id, reader.GetGuid(0), reader.GetGuid(12), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            WireNames.Parse<ProjectStatus>(reader.GetString(3)), WireNames.Parse<ValidationStatus>(reader.GetString(4)),
            WireNames.Parse<ValidationStatus>(reader.GetString(5)), WireNames.Parse<ValidationStatus>(reader.GetString(6)),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8),
            reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10));
        return (project, reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11));
    }

    public async Task<long> InsertErrorAsync(Guid projectId, ProjectErrorReport error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO project_errors (project_id, error_type, message, file_path, line_number, severity)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """);
        command.Parameters.AddWithValue(projectId);
        command.Parameters.AddWithValue(error.ErrorType);
        command.Parameters.AddWithValue(error.Message);
        command.Parameters.AddWithValue((object?)error.FilePath ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)error.LineNumber ?? DBNull.Value);
        command.Parameters.AddWithValue(error.Severity);
        return (long)(await ConfirmedCommit.ExecuteScalarAsync(command, dataSource.ConnectionString, cancellationToken))!;
    }

    /// <summary>Marks the project deleted if the row is still at <paramref name="expectedVersion"/>; false otherwise.</summary>
    public Task<bool> SoftDeleteAsync(ProjectDetails project, DateTimeOffset at, AuditActor? actor, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
    {
        await using var command = new NpgsqlCommand("""
            UPDATE projects SET is_deleted = true, deleted_at = $2, updated_at = $2, version = version + 1
            WHERE id = $1 AND version = $3 AND NOT is_deleted
            """, connection, transaction);
        command.Parameters.AddWithValue(project.Id);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(project.Version);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        return (deleted, deleted);
    }, new AuditRecord(project.WorkspaceId, "project.delete", "project", project.Id.ToString(), project, null, actor), cancellationToken);

    private static void AddColumns(NpgsqlCommand command, ProjectDetails p)
    {
        command.Parameters.AddWithValue(p.Id);
        command.Parameters.AddWithValue(p.OwnerId);
        command.Parameters.AddWithValue(p.Name);
        command.Parameters.AddWithValue((object?)p.Path ?? DBNull.Value);
        command.Parameters.AddWithValue(WireNames.Of(p.Status));
        command.Parameters.AddWithValue(WireNames.Of(p.SchemaStatus));
        command.Parameters.AddWithValue(WireNames.Of(p.SheriffStatus));
        command.Parameters.AddWithValue(WireNames.Of(p.GauntletStatus));
        command.Parameters.AddWithValue((object?)p.LastValidated ?? DBNull.Value);
        command.Parameters.AddWithValue(p.Version);
        command.Parameters.AddWithValue(p.CreatedAt);
        command.Parameters.AddWithValue(p.UpdatedAt);
    }
}
