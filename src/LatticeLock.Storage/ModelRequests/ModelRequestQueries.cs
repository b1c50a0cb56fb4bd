using LatticeLock.Storage.Commits;
using LatticeLock.Storage.Workspaces;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>Reads of stored model requests: one by id (a repeated POST answers with what was stored), the latest recorded ones.</summary>
public sealed class ModelRequestQueries(NpgsqlDataSource dataSource)
{
    private static string Columns => ModelRequestColumns.SelectList;

    public Task<ModelRequestRow?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        FindAsync(id, WorkspaceReadScope.Operator, cancellationToken);

    /// <summary>The stored request, if it lives in a workspace <paramref name="scope"/> may read (<see cref="WorkspaceWall"/>).</summary>
    public Task<ModelRequestRow?> FindAsync(Guid id, WorkspaceReadScope scope, CancellationToken cancellationToken) =>
        WorkspaceWall.ReadAsync(dataSource, scope, connection => FindAsync(connection, id, cancellationToken), cancellationToken);

    private static async Task<ModelRequestRow?> FindAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        // model_request_ids gives the request's time, so only its month's partition is searched (by its BRIN index).
        await using var command = new NpgsqlCommand($"""
            SELECT {Columns}, payload_hash FROM model_requests
            WHERE id = $1 AND requested_at = (SELECT requested_at FROM model_request_ids WHERE id = $1)
            """, connection);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var hash = ModelRequestColumns.Readable.Count;
        return Read(reader) with { PayloadHash = reader.IsDBNull(hash) ? null : reader.GetFieldValue<byte[]>(hash) };
    }

    /// <summary>
    /// The stored request for a repeated id, once a synchronous standby holds it too (<see cref="SynchronousBarrier"/>):
    /// a repeat is acknowledged only as durably as a first commit would be.
    /// </summary>
    public async Task<ModelRequestRow?> FindForRepeatAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await FindAsync(id, cancellationToken);
        if (row is not null) await SynchronousBarrier.PassAsync(dataSource, cancellationToken);
        return row;
    }

    /// <summary>
    /// The last <paramref name="count"/> requests recorded (commit order, newest first), optionally of one session:
    /// served by the (xact_id, id) and (session_id, xact_id) indexes whatever the table's size.
    /// </summary>
    public async Task<List<ModelRequestRow>> LatestAsync(int count, Guid? sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sessionId is null
            ? $"SELECT {Columns} FROM model_requests ORDER BY xact_id DESC, id DESC LIMIT $1"
            : $"SELECT {Columns} FROM model_requests WHERE session_id = $2 ORDER BY xact_id DESC, id DESC LIMIT $1");
        command.Parameters.AddWithValue(count);
        command.Parameters.AddNullable(sessionId, NpgsqlDbType.Uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModelRequestRow>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
        return rows;
    }

    private static ModelRequestRow Read(NpgsqlDataReader reader) => ModelRequestColumns.Read(reader);
}
