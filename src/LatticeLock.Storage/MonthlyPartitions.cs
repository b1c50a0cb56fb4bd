using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// Creates this month's partition of a monthly-partitioned table and the next <paramref name="monthsAhead"/> ahead of
/// time, through the table's idempotent SQL function (safe from several silos at once). Returns how many it created.
/// </summary>
public static class MonthlyPartitions
{
    /// <param name="ensureSql">One statement taking the month's first day as <c>$1</c> and returning whether it created the partition.</param>
    public static async Task<int> EnsureAheadAsync(NpgsqlDataSource dataSource, TimeProvider clock, string ensureSql, int monthsAhead, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = new DateOnly(now.Year, now.Month, 1);
        var created = 0;
        for (var k = 0; k <= monthsAhead; k++)
        {
            await using var command = dataSource.CreateCommand(ensureSql);
            command.Parameters.AddWithValue(month.AddMonths(k));
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!) created++;
        }
        return created;
    }
}
