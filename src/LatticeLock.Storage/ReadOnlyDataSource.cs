using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// Where read-only queries that tolerate replication lag go: a standby when the connection string lists several hosts,
/// the primary otherwise (see <see cref="PostgresDataSources.ReadOnly"/>).
/// </summary>
public sealed record ReadOnlyDataSource(NpgsqlDataSource Source)
{
    /// <summary>
    /// Runs a read-only query; when the server it reached is gone (a pooled connection to a standby that stopped, a
    /// refused connection), runs it once more: Npgsql has marked that host offline meanwhile and picks another
    /// standby, or the primary. Gone means a connection failure, SQLSTATE class 08 (connection exception) or 57
    /// (operator intervention: the server is shutting down or crashed); any other refusal is not repeated.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlDataSource, Task<T>> query)
    {
        try
        {
            return await query(Source);
        }
        catch (NpgsqlException e) when (e is not PostgresException || e is PostgresException { SqlState: ['0', '8', ..] or ['5', '7', ..] })
        {
            return await query(Source);
        }
    }

    /// <summary>A read-only query behind the workspace wall for <paramref name="scope"/> (<see cref="WorkspaceWall"/>), retried as above.</summary>
    public Task<T> ReadAsync<T>(WorkspaceReadScope scope, Func<NpgsqlConnection, Task<T>> query, CancellationToken cancellationToken) =>
        ReadAsync(source => WorkspaceWall.ReadAsync(source, scope, query, cancellationToken));
}
