using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>Reads of stored model requests: one by id (a repeated POST answers with what was stored), the latest ones.</summary>
public sealed class ModelRequestQueries(NpgsqlDataSource dataSource)
{
    private static string Columns => ModelRequestColumns.SelectList;

    public async Task<ModelRequestRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM model_requests WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The newest <paramref name="count"/> requests, newest first, optionally of one session.</summary>
    public async Task<List<ModelRequestRow>> LatestAsync(int count, Guid? sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM model_requests WHERE $2::uuid IS NULL OR session_id = $2 ORDER BY requested_at DESC, id LIMIT $1");
        command.Parameters.AddWithValue(count);
        command.Parameters.AddNullable(sessionId, NpgsqlDbType.Uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModelRequestRow>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
        return rows;
    }

    private static ModelRequestRow Read(NpgsqlDataReader reader) => ModelRequestColumns.Read(reader);
}
