using Npgsql;

namespace LatticeLock.Storage;

/// <summary>One table partitioned by month of <see cref="KeyColumn"/>, with a <c>_default</c> partition for the rest.</summary>
public sealed record PartitionedTable(string Name, string KeyColumn);

/// <summary>
/// The one helper for every monthly-partitioned table (<see cref="Tables"/>): creates this month's partition and the
/// next <see cref="MonthsAhead"/> through the one SQL function, <c>ensure_monthly_partition</c> (idempotent, safe from
/// several silos at once: it takes a per-table advisory lock). A row outside them is never refused: it waits in the
/// table's default partition and moves into its month when that partition is created.
/// </summary>
public sealed class MonthlyPartitions(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MonthsAhead = 2;

    /// <summary>Every monthly-partitioned table; a new one is a line here (and its migration).</summary>
    public static readonly IReadOnlyList<PartitionedTable> Tables =
    [
        new("model_requests", "requested_at"),
        new("spans", "started_at"),
        new("metric_points", "time"),
    ];

    /// <summary>Creates the missing partitions of every table; returns how many each got.</summary>
    public async Task<IReadOnlyList<(PartitionedTable Table, int Created)>> EnsureAheadAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = new DateOnly(now.Year, now.Month, 1);
        var created = new List<(PartitionedTable, int)>(Tables.Count);
        foreach (var table in Tables)
        {
            var count = 0;
            for (var k = 0; k <= MonthsAhead; k++)
            {
                if (await EnsureAsync(table, month.AddMonths(k), cancellationToken)) count++;
            }
            created.Add((table, count));
        }
        return created;
    }

    /// <summary>Creates the partition of <paramref name="table"/> for the month holding <paramref name="month"/>; false when it existed.</summary>
    public async Task<bool> EnsureAsync(PartitionedTable table, DateOnly month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        await using var command = dataSource.CreateCommand("SELECT ensure_monthly_partition($1::regclass, $2, $3)");
        command.Parameters.AddWithValue(table.Name);
        command.Parameters.AddWithValue(table.KeyColumn);
        command.Parameters.AddWithValue(month);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
