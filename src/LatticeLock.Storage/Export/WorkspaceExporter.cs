using System.Data;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Errors;
using Npgsql;
using NpgsqlTypes;
using Parquet;
using Parquet.Schema;

namespace LatticeLock.Storage.Export;

/// <summary>
/// Writes a workspace's model requests, spans and daily cost aggregates as Parquet, one file per table per UTC day
/// with rows (<c>&lt;table&gt;/date=YYYY-MM-DD/&lt;table&gt;.parquet</c>, the Hive layout Athena, BigQuery and DuckDB
/// read as a partition), then <c>schema.json</c> (<see cref="ExportSchema"/>) and <c>manifest.json</c> (every file with
/// its rows and bytes). Rows stream from PostgreSQL through row groups of at most <see cref="RowGroupRows"/> rows or
/// about <see cref="RowGroupBytes"/> bytes, so memory stays bounded whatever a day holds. Running it again rewrites the
/// same files, and removes a day's file whose rows are gone. The whole export reads one snapshot (a read-only repeatable
/// read transaction), so its tables agree with each other however busy ingest is meanwhile.
/// </summary>
public sealed class WorkspaceExporter(NpgsqlDataSource dataSource)
{
    public const int RowGroupRows = 50_000;
    public const int RowGroupBytes = 32 * 1024 * 1024;
    public const string SchemaFile = "schema.json", ManifestFile = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<IReadOnlyList<ExportedFile>> ExportAsync(ExportWindow window, IExportTarget target, IProgress<ExportProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(target);
        window.Validated();
        await RequireWorkspaceAsync(window.WorkspaceId, cancellationToken);
        // One snapshot for the whole export: every table and day as of one moment, so the aggregates match the requests.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, snapshot))
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        DateTimeOffset snapshotAt;
        await using (var at = new NpgsqlCommand("SELECT now()", connection, snapshot))
            snapshotAt = new DateTimeOffset((DateTime)(await at.ExecuteScalarAsync(cancellationToken))!, TimeSpan.Zero);
        var files = new List<ExportedFile>();
        long rows = 0;
        foreach (var table in ExportTables.All)
        {
            for (var day = window.From; day <= window.To; day = day.AddDays(1))
            {
                var file = await ExportDayAsync(connection, snapshot, table, window.WorkspaceId, day, target, written => progress?.Report(new ExportProgress(table.Name, day, rows + written)),
                    cancellationToken);
                if (file is null) continue;
                files.Add(file);
                rows += file.Rows;
            }
        }
        await target.StoreAsync(SchemaFile, stream => JsonSerializer.SerializeAsync(stream, ExportSchema.Document, Json, cancellationToken), cancellationToken);
        var manifest = new
        {
            WorkspaceId = window.WorkspaceId,
            From = window.From,
            To = window.To,
            SnapshotAt = snapshotAt,
            ExportedAt = DateTimeOffset.UtcNow,
            Files = files.Select(f => new { f.Table, Date = f.Day, f.Path, f.Rows, f.Bytes }),
        };
        await target.StoreAsync(ManifestFile, stream => JsonSerializer.SerializeAsync(stream, manifest, Json, cancellationToken), cancellationToken);
        return files;
    }

    /// <summary>The table's rows of the workspace on that day as one file, or null (and no file) when there are none.</summary>
    private static async Task<ExportedFile?> ExportDayAsync(NpgsqlConnection connection, NpgsqlTransaction snapshot, ExportTable table, Guid workspaceId,
        DateOnly day, IExportTarget target, Action<long> progress, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(table.Sql, connection, snapshot);
        command.Parameters.AddWithValue(workspaceId);
        if (table.CutByDate)
        {
            command.Parameters.AddWithValue(day);
            command.Parameters.AddWithValue(day.AddDays(1));
        }
        else
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            command.Parameters.Add(new NpgsqlParameter { Value = start, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = start.AddDays(1), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var path = $"{table.Name}/date={day:yyyy-MM-dd}/{table.Name}.parquet";
        if (!await reader.ReadAsync(cancellationToken))
        {
            await target.RemoveAsync(path, cancellationToken); // an earlier export's file of a day that has no rows now
            return null;
        }

        long rows = 0;
        var bytes = await target.StoreAsync(path, async stream =>
        {
            var buffers = table.Columns.Select(c => c.Column.Buffer()).ToArray();
            var schema = new ParquetSchema(buffers.Select(b => (Field)b.Field).ToArray());
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy },
                cancellationToken: cancellationToken);
            var more = true;
            while (more)
            {
                var (groupRows, groupBytes) = (0, 0L);
                do
                {
                    for (var i = 0; i < buffers.Length; i++) groupBytes += buffers[i].Add(reader, i);
                    groupRows++;
                    more = await reader.ReadAsync(cancellationToken);
                }
                while (more && groupRows < RowGroupRows && groupBytes < RowGroupBytes);
                using (var rowGroup = writer.CreateRowGroup())
                {
                    foreach (var buffer in buffers)
                    {
                        await buffer.WriteAsync(rowGroup, cancellationToken);
                        buffer.Clear();
                    }
                }
                rows += groupRows;
                progress(rows);
            }
        }, cancellationToken);
        return new ExportedFile(table.Name, day, path, target.Describe(path), rows, bytes);
    }

    private async Task RequireWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = $1)");
        command.Parameters.AddWithValue(workspaceId);
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!) throw new NotFoundException("workspace", workspaceId);
    }
}
