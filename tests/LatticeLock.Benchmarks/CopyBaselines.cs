using System.Diagnostics;
using LatticeLock.Storage.ModelRequests;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// Binary COPY of the same rows, one connection, batches of <see cref="IngestSettings.CopyBatch"/>, into tables that
/// differ only in what they carry: the physical limit (a primary key only), the same plus the three foreign keys,
/// version 8's layout (primary key, 13 secondary indexes, 3 foreign keys), and today's lean partitioned log with and
/// without its model_request_ids table (filled by the same statement trigger as production). Each figure is what that layout costs the disk and CPU, with no batching logic.
/// </summary>
public static class CopyBaselines
{
    private const string Like = "(LIKE model_requests INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)";

    public static async Task RunAsync(string database, List<ModelRequestRow> rows, IngestSettings settings, BenchmarkReport report)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        report.LimitRowsPerSecond = await CopyAsync(dataSource, rows, settings, "limit_pk", $"""
            CREATE TABLE limit_pk {Like}; ALTER TABLE limit_pk ADD PRIMARY KEY (id);
            """);
        Console.WriteLine($"  COPY, primary key only (physical limit): {report.LimitRowsPerSecond:N0} rows/s");
        report.FkRowsPerSecond = await CopyAsync(dataSource, rows, settings, "limit_pk_fk", $"""
            CREATE TABLE limit_pk_fk {Like}; ALTER TABLE limit_pk_fk ADD PRIMARY KEY (id),
                ADD FOREIGN KEY (session_id) REFERENCES sessions (id), ADD FOREIGN KEY (chat_id) REFERENCES chats (id),
                ADD FOREIGN KEY (user_id) REFERENCES users (id);
            """);
        Console.WriteLine($"  COPY, primary key + 3 foreign keys: {report.FkRowsPerSecond:N0} rows/s");
        report.V8RowsPerSecond = await CopyAsync(dataSource, rows, settings, "v8_layout", $"""
            CREATE TABLE v8_layout {Like}; ALTER TABLE v8_layout ADD PRIMARY KEY (id),
                ADD FOREIGN KEY (session_id) REFERENCES sessions (id), ADD FOREIGN KEY (chat_id) REFERENCES chats (id),
                ADD FOREIGN KEY (user_id) REFERENCES users (id);
            CREATE INDEX ON v8_layout (session_id, requested_at); CREATE INDEX ON v8_layout (chat_id, requested_at);
            CREATE INDEX ON v8_layout (user_id, requested_at); CREATE INDEX ON v8_layout (model_id, requested_at);
            CREATE INDEX ON v8_layout (provider, requested_at); CREATE INDEX ON v8_layout (task_type, requested_at);
            CREATE INDEX ON v8_layout (trace_id); CREATE INDEX ON v8_layout (((requested_at AT TIME ZONE 'UTC')::date));
            CREATE INDEX ON v8_layout (status, requested_at); CREATE INDEX ON v8_layout (requested_at) WHERE cost_source = 'unpriced';
            CREATE INDEX ON v8_layout (project_id, requested_at); CREATE INDEX ON v8_layout (xact_id, id);
            CREATE INDEX ON v8_layout USING brin (requested_at);
            """);
        Console.WriteLine($"  COPY, version 8 layout (13 indexes, 3 foreign keys): {report.V8RowsPerSecond:N0} rows/s");
        const string lean = $"""
            CREATE TABLE lean_log {Like} PARTITION BY RANGE (requested_at);
            CREATE TABLE lean_log_default PARTITION OF lean_log DEFAULT;
            CREATE INDEX ON lean_log (session_id, xact_id); CREATE INDEX ON lean_log (project_id, requested_at);
            CREATE INDEX ON lean_log (xact_id, id); CREATE INDEX ON lean_log USING brin (requested_at);
            """;
        report.LeanRowsPerSecond = await CopyAsync(dataSource, rows, settings, "lean_log", lean);
        Console.WriteLine($"  COPY, lean partitioned log without the id table: {report.LeanRowsPerSecond:N0} rows/s");
        report.LeanWithIdsRowsPerSecond = await CopyAsync(dataSource, rows, settings, "lean_log2", lean.Replace("lean_log", "lean_log2", StringComparison.Ordinal) + """
            CREATE TABLE lean_log2_ids (id uuid PRIMARY KEY, requested_at timestamptz NOT NULL);
            CREATE FUNCTION lean_log2_register() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO lean_log2_ids (id, requested_at) SELECT id, requested_at FROM new_requests; RETURN NULL; END; $$;
            CREATE TRIGGER lean_log2_register AFTER INSERT ON lean_log2
                REFERENCING NEW TABLE AS new_requests FOR EACH STATEMENT EXECUTE FUNCTION lean_log2_register();
            """);
        Console.WriteLine($"  COPY, lean partitioned log + model_request_ids (what the log writes): {report.LeanWithIdsRowsPerSecond:N0} rows/s");
    }

    private static async Task<double> CopyAsync(NpgsqlDataSource dataSource, List<ModelRequestRow> rows, IngestSettings settings, string table, string create)
    {
        await using (var command = dataSource.CreateCommand(create)) await command.ExecuteNonQueryAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        var watch = Stopwatch.StartNew();
        for (var offset = 0; offset < rows.Count; offset += settings.CopyBatch)
        {
            var batch = rows.Skip(offset).Take(settings.CopyBatch).ToList();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({ModelRequestBatchWriter.Columns}) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in batch) ModelRequestBatchWriter.WriteRow(importer, row);
                await importer.CompleteAsync();
            }
            await transaction.CommitAsync();
        }
        return rows.Count / watch.Elapsed.TotalSeconds;
    }
}
