using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Workspaces;

/// <summary>
/// Row-level security as a second wall under the gateway's checks (migration 32). A member's read runs in a read-only
/// transaction that first names the workspaces the caller belongs to (read from <c>workspace_members</c> in the same
/// snapshot, so a removal holds as soon as it commits) in the setting <c>latticelock.workspaces</c>, then switches to
/// the role <see cref="ReaderRole"/>, which has no BYPASSRLS: whatever the query's own filters, PostgreSQL returns only
/// rows of those workspaces. The operator's reads run as the silo's role and see everything.
/// </summary>
public static class WorkspaceWall
{
    /// <summary>The database role member reads run as (created by migration 32; one per PostgreSQL cluster).</summary>
    public const string ReaderRole = "latticelock_reader";

    private const string NameWorkspaces = """
        SELECT set_config('latticelock.workspaces', coalesce((
            SELECT array_agg(m.workspace_id)::text
            FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
            WHERE m.user_id = $1 AND w.deleted_at IS NULL AND ($2::uuid IS NULL OR m.workspace_id = $2)), '{}'), true)
        """;

    /// <summary>Runs <paramref name="query"/> on a connection of <paramref name="source"/>, behind the wall for <paramref name="scope"/>.</summary>
    public static async Task<T> ReadAsync<T>(NpgsqlDataSource source, WorkspaceReadScope scope, Func<NpgsqlConnection, Task<T>> query,
        CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        if (scope.IsOperator) return await query(connection);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var enter = new NpgsqlBatch(connection, transaction))
        {
            enter.BatchCommands.Add(new NpgsqlBatchCommand("SET TRANSACTION READ ONLY"));
            var name = new NpgsqlBatchCommand(NameWorkspaces);
            name.Parameters.Add(new NpgsqlParameter { Value = scope.UserId!.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            name.Parameters.Add(new NpgsqlParameter { Value = scope.BoundWorkspace is { } bound ? bound : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            enter.BatchCommands.Add(name);
            enter.BatchCommands.Add(new NpgsqlBatchCommand($"SET LOCAL ROLE {ReaderRole}"));
            await enter.ExecuteNonQueryAsync(cancellationToken);
        }
        var result = await query(connection);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
