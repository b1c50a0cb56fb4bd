using LatticeLock.Metrics.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Metrics.Postgres;

/// <summary>
/// The default sink: metric_points in PostgreSQL, partitioned by month. A batch is binary-COPYed into a temporary
/// table and upserted on (time, request_id), so a replayed point is stored once and a repriced one (sent again with
/// its corrected cost) replaces the stored cost. Its partitions are kept ahead with every other monthly-partitioned
/// table's, by the silo (<c>LatticeLock.Storage.MonthlyPartitions</c>), not by the sink.
/// </summary>
public sealed class PostgresMetricSink(NpgsqlDataSource dataSource) : IMetricSink
{
    public const string SinkName = "postgres";

    public string Name => SinkName;

    public async Task<MetricSinkWriteResult> WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS metric_points_incoming (LIKE metric_points) ON COMMIT DELETE ROWS", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var importer = await connection.BeginBinaryImportAsync(
            "COPY metric_points_incoming (time, request_id, project_id, user_id, session_id, provider, model_id, task_type, status, " +
            "latency_ms, input_tokens, output_tokens, cost_usd, workspace_id) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var p in points)
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(p.Time.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
                await importer.WriteAsync(p.RequestId, NpgsqlDbType.Uuid, cancellationToken);
                await WriteNullableAsync(importer, p.ProjectId, NpgsqlDbType.Uuid, cancellationToken);
                await WriteNullableAsync(importer, p.UserId, NpgsqlDbType.Uuid, cancellationToken);
                await WriteNullableAsync(importer, p.SessionId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(p.Provider, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(p.ModelId, NpgsqlDbType.Varchar, cancellationToken);
                if (p.TaskType is null) await importer.WriteNullAsync(cancellationToken);
                else await importer.WriteAsync(p.TaskType, NpgsqlDbType.Varchar, cancellationToken);
                await importer.WriteAsync(p.Status, NpgsqlDbType.Varchar, cancellationToken);
                await WriteNullableAsync(importer, p.LatencyMs, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(p.InputTokens, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(p.OutputTokens, NpgsqlDbType.Integer, cancellationToken);
                await WriteNullableAsync(importer, p.CostUsd, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(importer, p.WorkspaceId, NpgsqlDbType.Uuid, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO metric_points SELECT * FROM metric_points_incoming ON CONFLICT (time, request_id) DO UPDATE SET cost_usd = excluded.cost_usd " +
            "WHERE metric_points.cost_usd IS DISTINCT FROM excluded.cost_usd", connection, transaction))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return MetricSinkWriteResult.AllWritten(points.Count);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken cancellationToken) where T : struct
    {
        if (value is { } v) await importer.WriteAsync(v, type, cancellationToken);
        else await importer.WriteNullAsync(cancellationToken);
    }
}
