using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// What keeps an expired model request until the rest of the system is done with it, read at the start of a pass:
/// <list type="bullet">
/// <item><see cref="DeliveredBelow"/>: every metric consumer (the sinks and the cost aggregates) has counted the rows
/// of transactions below it (the slowest cursor of <c>metric_sink_cursors</c>; null when there is none), so cost
/// history in the aggregates survives the raw rows;</item>
/// <item><see cref="BudgetPeriodStart"/>: a project's budget re-sums its month to date from <c>model_requests</c>, so
/// a row of a project recorded in the running month stays until the month is over;</item>
/// <item>a session's totals are a checkpoint plus the rows above its horizon, so a row stays until its session's
/// checkpoint has folded it in (the job moves checkpoints forward first).</item>
/// </list>
/// </summary>
public sealed record RetentionGuards(ulong? DeliveredBelow, string? SlowestConsumer, DateTimeOffset BudgetPeriodStart)
{
    public static async Task<RetentionGuards> LoadAsync(NpgsqlDataSource dataSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT sink, last_xact_id::text FROM metric_sink_cursors ORDER BY last_xact_id, sink LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        ulong? below = null;
        string? slowest = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            slowest = reader.GetString(0);
            below = ulong.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        var utc = now.UtcDateTime;
        return new RetentionGuards(below, slowest, new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero));
    }

    /// <summary>Adds <c>$3</c> (the budget month's start) and <c>$4</c> (the delivered horizon as xid8 text, or null).</summary>
    internal void AddTo(NpgsqlCommand command)
    {
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = BudgetPeriodStart, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = DeliveredBelow?.ToString(System.Globalization.CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text });
    }
}
