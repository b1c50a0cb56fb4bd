using System.Data.Common;
using LatticeLock.Metrics.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Metrics;

/// <summary>
/// The metric_sink_cursors table. Advancing is a compare-and-set on the previous position, so if two pumps for one
/// sink ever ran at once (a split cluster), only one could move the cursor and the other would re-read.
/// </summary>
public sealed class MetricCursorStore(NpgsqlDataSource dataSource)
{
    /// <summary>How far back <see cref="StatesAsync"/> counts pending rows; beyond that the backlog is reported as "at least".</summary>
    public const int PendingCountLimit = 10_000;

    public async Task<MetricCursor> GetOrCreateAsync(string sink, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO metric_sink_cursors (sink) VALUES ($1) ON CONFLICT (sink) DO UPDATE SET sink = excluded.sink
            RETURNING last_xact_id, last_request_id
            """);
        command.Parameters.AddWithValue(sink);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new MetricCursor(reader.GetFieldValue<ulong>(0), reader.GetGuid(1));
    }

    /// <summary>Moves the cursor from <paramref name="from"/> to <paramref name="to"/>; false when it was not at <paramref name="from"/>.</summary>
    public async Task<bool> AdvanceAsync(string sink, MetricCursor from, MetricCursor to, int delivered, int rejected, CancellationToken cancellationToken, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = """
            UPDATE metric_sink_cursors
            SET last_xact_id = $4, last_request_id = $5, delivered = delivered + $6, rejected = rejected + $7,
                last_success_at = now(), consecutive_failures = 0, updated_at = now()
            WHERE sink = $1 AND last_xact_id = $2 AND last_request_id = $3
            """;
        await using var command = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(sink);
        AddCursor(command, from);
        AddCursor(command, to);
        command.Parameters.AddWithValue((long)delivered);
        command.Parameters.AddWithValue((long)rejected);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Moves a sink's cursor back to the start so every stored request is sent again; false for an unknown sink.</summary>
    public async Task<bool> RewindAsync(string sink, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE metric_sink_cursors SET last_xact_id = '0', last_request_id = '00000000-0000-0000-0000-000000000000', updated_at = now() WHERE sink = $1");
        command.Parameters.AddWithValue(sink);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task RecordFailureAsync(string sink, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE metric_sink_cursors SET last_error = $2, last_error_at = now(), consecutive_failures = consecutive_failures + 1, updated_at = now()
            WHERE sink = $1
            """);
        command.Parameters.AddWithValue(sink);
        command.Parameters.AddWithValue(error.Length > 2000 ? error[..2000] : error);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordRejectionsAsync(string sink, IEnumerable<(Guid RequestId, string Reason)> rejections, CancellationToken cancellationToken)
    {
        var list = rejections.ToList();
        if (list.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO metric_rejections (sink, request_id, reason)
            SELECT $1, r.id, r.reason FROM unnest($2::uuid[], $3::text[]) AS r (id, reason)
            ON CONFLICT (sink, request_id) DO UPDATE SET reason = excluded.reason
            """);
        command.Parameters.AddWithValue(sink);
        command.Parameters.AddWithValue(list.Select(r => r.RequestId).ToArray());
        command.Parameters.AddWithValue(list.Select(r => r.Reason).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every known sink's state: its backlog (rows not yet delivered, counted up to a limit) and how old the oldest is.</summary>
    public async Task<List<MetricSinkState>> StatesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT c.sink, c.last_xact_id, c.last_request_id, c.delivered, c.rejected, c.last_success_at, c.last_error, c.last_error_at,
                   c.consecutive_failures, p.pending, coalesce(extract(epoch FROM now() - p.oldest), 0)::float8
            FROM metric_sink_cursors c
            CROSS JOIN LATERAL (
                SELECT count(*) AS pending, min(recorded_at) AS oldest
                FROM (SELECT recorded_at FROM model_requests m
                      WHERE (m.xact_id, m.id) > (c.last_xact_id, c.last_request_id)
                      ORDER BY m.xact_id, m.id LIMIT {PendingCountLimit}) backlog
            ) p
            ORDER BY c.sink
            """);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var states = new List<MetricSinkState>();
        while (await r.ReadAsync(cancellationToken))
        {
            states.Add(new MetricSinkState(r.GetString(0), new MetricCursor(r.GetFieldValue<ulong>(1), r.GetGuid(2)), r.GetInt64(3), r.GetInt64(4),
                NullableTime(r, 5), r.IsDBNull(6) ? null : r.GetString(6), NullableTime(r, 7), r.GetInt32(8), r.GetInt64(9), r.GetDouble(10)));
        }
        return states;
    }

    private static DateTimeOffset? NullableTime(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static void AddCursor(NpgsqlCommand command, MetricCursor cursor)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = cursor.XactId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.AddWithValue(cursor.RequestId);
    }
}
