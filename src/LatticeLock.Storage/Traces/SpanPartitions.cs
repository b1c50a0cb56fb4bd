using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// The monthly partitions of <c>spans</c>, this month's and the next two created ahead (ensure_monthly_partition,
/// idempotent and safe from several silos). A span outside them waits in spans_default and moves when its month is created.
/// </summary>
public sealed class SpanPartitions(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MonthsAhead = 2;

    public async Task<int> EnsureAheadAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = new DateOnly(now.Year, now.Month, 1);
        var created = 0;
        for (var k = 0; k <= MonthsAhead; k++)
        {
            await using var command = dataSource.CreateCommand("SELECT ensure_monthly_partition('spans', 'started_at', $1)");
            command.Parameters.AddWithValue(month.AddMonths(k));
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!) created++;
        }
        return created;
    }
}
