using System.Diagnostics;
using LatticeLock.Storage.Export;
using LatticeLock.Testing;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// <c>LatticeLock.Benchmarks export</c>: rows per second of <c>lattice export</c> (<see cref="WorkspaceExporter"/>) into a
/// local folder, against the limit measured in the same run on the same rows: PostgreSQL's binary COPY of exactly the
/// rows and columns the export reads (the same queries, day by day), read and discarded. The workspace holds
/// <c>--rows</c> model requests, a quarter as many spans and one aggregate row per model per day over <c>--days</c>
/// days; another workspace's rows lie beside them and stay out. Prints a table with the ratio.
/// </summary>
public static class ExportBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = BenchmarkArgs.Option(args, "--rows", 500_000);
        var days = BenchmarkArgs.Option(args, "--days", 10);
        await using var postgres = await BenchmarkPostgres.StartAsync();
        var server = postgres.Server;
        var database = await IngestBenchmark.CreateDatabaseAsync(server, "export");
        await using var dataSource = NpgsqlDataSource.Create(database);
        var (workspace, last) = (Guid.NewGuid(), DateOnly.FromDateTime(DateTime.UtcNow));
        var window = new ExportWindow(workspace, last.AddDays(1 - days), last);
        Console.WriteLine($"filling: {rows:N0} model requests, {rows / 4:N0} spans over {days} days in one workspace (and as many in another)");
        var fill = Stopwatch.StartNew();
        await FillAsync(dataSource, workspace, rows, window);
        await FillAsync(dataSource, Guid.NewGuid(), rows, window);
        Console.WriteLine($"  filled in {fill.Elapsed.TotalSeconds:F1} s");

        var (copyRows, copySeconds) = await CopyAsync(dataSource, window);
        Console.WriteLine($"  binary COPY of the same rows and columns: {copyRows:N0} rows in {copySeconds:F2} s");
        var folder = Directory.CreateTempSubdirectory("lattice-export-bench-").FullName;
        try
        {
            var watch = Stopwatch.StartNew();
            var files = await new WorkspaceExporter(dataSource).ExportAsync(window, new DirectoryExportTarget(folder), null, CancellationToken.None);
            var seconds = watch.Elapsed.TotalSeconds;
            var exported = files.Sum(f => f.Rows);
            if (exported != copyRows) throw new InvalidOperationException($"the export wrote {exported} rows, the COPY read {copyRows}");
            var bytes = files.Sum(f => f.Bytes);
            Console.WriteLine();
            Console.WriteLine("| path | rows | seconds | rows/s | ratio to COPY | bytes written |");
            Console.WriteLine("|---|---|---|---|---|---|");
            Console.WriteLine($"| binary COPY of the export's queries (limit) | {copyRows:N0} | {copySeconds:F2} | {copyRows / copySeconds:N0} | 1.00 | |");
            Console.WriteLine($"| `lattice export` to Parquet files ({files.Count} files) | {exported:N0} | {seconds:F2} | {exported / seconds:N0} | {copySeconds / seconds:F2} | {bytes:N0} |");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The workspace's requests (realistic columns, small metadata), spans of a quarter of them, and aggregates per model and day.</summary>
    private static async Task FillAsync(NpgsqlDataSource dataSource, Guid workspace, int rows, ExportWindow window)
    {
        var (from, to) = (new DateTimeOffset(window.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            new DateTimeOffset(window.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(-1));
        (string Sql, object[] Parameters)[] statements =
        [
            ("INSERT INTO users (id, email, name, created_at, updated_at, version) VALUES ($1, $1::text || '@bench.example', 'bench', now(), now(), 1)", [workspace]),
            ("INSERT INTO workspaces (id, name, slug, personal_of, created_at, updated_at) VALUES ($1, 'Personal', 'u-' || replace($1::text, '-', ''), $1, now(), now())", [workspace]),
            ("INSERT INTO sessions (id, user_id, workspace_id) VALUES ($1, $1, $1)", [workspace]),
            ("""
            INSERT INTO model_requests (id, session_id, user_id, workspace_id, provider, model_id, requested_at, responded_at, latency_ms, status,
                                        input_tokens, output_tokens, input_cost_usd, output_cost_usd, cost_source, metadata)
            SELECT gen_random_uuid(), $1, $1, $1, 'openai', 'gpt-' || (i % 5), t, t + interval '800 ms', 800, 'success',
                   1000 + i % 500, 200 + i % 100, (1000 + i % 500) * 0.0000025, (200 + i % 100) * 0.00001, 'client',
                   jsonb_build_object('agent', 'bench', 'step', i % 17)
            FROM generate_series(1, $2) AS i,
                 LATERAL (SELECT $3::timestamptz + (i::float8 / $2) * ($4::timestamptz - $3::timestamptz) AS t) AS at
            """, [workspace, rows, from, to]),
            ("INSERT INTO traces (trace_id, user_id, session_id, workspace_id) VALUES (replace($1::text, '-', ''), $1, $1, $1)", [workspace]),
            ("""INSERT INTO span_resources (user_id, resource_id, attributes) VALUES ($1, sha256('bench'::bytea), '{"service.name": "bench"}')""", [workspace]),
            ("""
            INSERT INTO spans (trace_id, span_id, name, kind, start_unix_nano, end_unix_nano, started_at, status_code, attributes, events, received_at, user_id, resource_id)
            SELECT replace($1::text, '-', ''), lpad(to_hex(i), 16, '0'), 'chat gpt-' || (i % 5), 3,
                   (extract(epoch FROM t) * 1e9)::bigint, (extract(epoch FROM t) * 1e9)::bigint + 800000000, t, 1,
                   jsonb_build_object('gen_ai.request.model', 'gpt-' || (i % 5), 'gen_ai.usage.input_tokens', 1000), '[]'::jsonb, t, $1, sha256('bench'::bytea)
            FROM generate_series(1, $2 / 4) AS i,
                 LATERAL (SELECT $3::timestamptz + (i::float8 / ($2 / 4)) * ($4::timestamptz - $3::timestamptz) AS t) AS at
            """, [workspace, rows, from, to]),
            ("""
            INSERT INTO cost_aggregations (aggregation_date, workspace_id, user_id, provider, model_id, request_count, success_count, error_count,
                                           total_input_tokens, total_output_tokens, total_cost_usd, latency_count, latency_sum_ms)
            SELECT (d AT TIME ZONE 'UTC')::date, $1, $1, 'openai', 'gpt-' || m, 1000, 1000, 0, 1000000, 200000, 4.5, 1000, 800000
            FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 day', interval '1 day') AS d, generate_series(0, 4) AS m
            """, [workspace, from, to]),
        ];
        foreach (var (sql, parameters) in statements)
        {
            await using var command = dataSource.CreateCommand(sql);
            foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
        await using var analyze = dataSource.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync();
    }

    /// <summary>Every (table, day) query of the export as a binary COPY to this process, read and discarded: rows, and seconds spent in the COPYs alone.</summary>
    private static async Task<(long Rows, double Seconds)> CopyAsync(NpgsqlDataSource dataSource, ExportWindow window)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var buffer = new byte[1 << 16];
        long rows = 0;
        var watch = new Stopwatch();
        foreach (var table in ExportTables.All)
        {
            // COPY takes no parameters: the bounds travel as settings of this session.
            var sql = table.Sql.Replace("$1", "current_setting('bench.workspace')::uuid", StringComparison.Ordinal)
                .Replace("$2", $"current_setting('bench.from')::{(table.CutByDate ? "date" : "timestamptz")}", StringComparison.Ordinal)
                .Replace("$3", $"current_setting('bench.to')::{(table.CutByDate ? "date" : "timestamptz")}", StringComparison.Ordinal);
            for (var day = window.From; day <= window.To; day = day.AddDays(1))
            {
                await using (var set = new NpgsqlCommand(
                    "SELECT set_config('bench.workspace', $1::text, false), set_config('bench.from', $2, false), set_config('bench.to', $3, false)", connection))
                {
                    set.Parameters.AddWithValue(window.WorkspaceId);
                    set.Parameters.AddWithValue(table.CutByDate ? day.ToString("yyyy-MM-dd") : $"{day:yyyy-MM-dd}T00:00:00Z");
                    set.Parameters.AddWithValue(table.CutByDate ? day.AddDays(1).ToString("yyyy-MM-dd") : $"{day.AddDays(1):yyyy-MM-dd}T00:00:00Z");
                    await set.ExecuteNonQueryAsync();
                }
                watch.Start();
                await using (var copy = await connection.BeginRawBinaryCopyAsync($"COPY ({sql}) TO STDOUT (FORMAT BINARY)"))
                    while (await copy.ReadAsync(buffer, 0, buffer.Length) > 0) { }
                watch.Stop();
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM ({sql}) AS q", connection);
                rows += (long)(await count.ExecuteScalarAsync())!;
            }
        }
        return (rows, watch.Elapsed.TotalSeconds);
    }

}
