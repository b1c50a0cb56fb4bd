using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// The monthly partitions of <c>spans</c>, this month's and the next two created ahead (ensure_monthly_partition,
/// idempotent and safe from several silos). A span outside them waits in spans_default and moves when its month is created.
/// </summary>
public sealed class SpanPartitions(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MonthsAhead = 2;

    public Task<int> EnsureAheadAsync(CancellationToken cancellationToken) =>
        MonthlyPartitions.EnsureAheadAsync(dataSource, clock, "SELECT ensure_monthly_partition('spans', 'started_at', $1)", MonthsAhead, cancellationToken);
}
