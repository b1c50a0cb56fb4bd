using Npgsql;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// The monthly partitions of <c>model_requests</c>: this month's and the next <see cref="MonthsAhead"/> are created
/// ahead of time (ensure_model_requests_partition, idempotent and safe from several silos at once). A row outside
/// them is never refused: it waits in the default partition and moves when its month is created.
/// </summary>
public sealed class ModelRequestPartitions(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MonthsAhead = 2;

    /// <summary>Creates the missing partitions; returns how many it created.</summary>
    public Task<int> EnsureAheadAsync(CancellationToken cancellationToken) =>
        MonthlyPartitions.EnsureAheadAsync(dataSource, clock, "SELECT ensure_model_requests_partition($1)", MonthsAhead, cancellationToken);

    /// <summary>The attached monthly partitions, oldest first, with their row estimates (for status output and tests).</summary>
    public async Task<List<(string Name, long EstimatedRows)>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname, greatest(c.reltuples, 0)::bigint
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'model_requests'::regclass
            ORDER BY c.relname
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var partitions = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken)) partitions.Add((reader.GetString(0), reader.GetInt64(1)));
        return partitions;
    }
}
