using System.Diagnostics;
using LatticeLock.Storage.Retention;
using LatticeLock.Storage.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// <c>LatticeLock.Benchmarks retention</c>: rows per second the retention job deletes while ingest runs, against the
/// limit measured in the same run: one unbounded <c>DELETE</c> of the same workspace's rows from an identical month.
/// Three old months: month A and month B each hold <c>--rows</c> expired rows of a workspace that keeps 30 days and as
/// many of one that keeps everything (the job deletes A in batches of <c>--batch</c>; B is the limit's copy); month D
/// holds <c>--rows</c> of the expiring workspace alone (the job drops it). Ingest (INSERTs of 1,000 current rows per
/// transaction on one connection) is measured alone and while the job runs. Prints a table.
/// </summary>
public static class RetentionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = BenchmarkArgs.Option(args, "--rows", 200_000);
        var batch = BenchmarkArgs.Option(args, "--batch", 5_000);
        await using var postgres = await BenchmarkPostgres.StartAsync();
        var database = await IngestBenchmark.CreateDatabaseAsync(postgres.Server, "retention");
        await using var dataSource = NpgsqlDataSource.Create(database);
        var (expiring, kept) = (Guid.NewGuid(), Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var (monthA, monthB, monthD) = (thisMonth.AddMonths(-2), thisMonth.AddMonths(-3), thisMonth.AddMonths(-4));
        Console.WriteLine($"filling: months {monthA:yyyy-MM} and {monthB:yyyy-MM} with {rows:N0} expired and {rows:N0} kept rows each, {monthD:yyyy-MM} with {rows:N0} expired rows");
        var fill = Stopwatch.StartNew();
        foreach (var workspace in new[] { expiring, kept }) await ExecuteAsync(dataSource, Owner, workspace);
        foreach (var month in new[] { monthA, monthB, monthD })
        {
            await ExecuteAsync(dataSource, "SELECT ensure_monthly_partition('model_requests', 'requested_at', $1::date)", month.UtcDateTime.Date);
            await ExecuteAsync(dataSource, Requests, expiring, rows, month.AddDays(1), month.AddDays(27));
            if (month != monthD) await ExecuteAsync(dataSource, Requests, kept, rows, month.AddDays(1), month.AddDays(27));
        }
        await ExecuteAsync(dataSource, "ANALYZE");
        Console.WriteLine($"  filled in {fill.Elapsed.TotalSeconds:F1} s");

        var alone = await IngestAsync(dataSource, TimeSpan.FromSeconds(10), null);
        Console.WriteLine($"  ingest alone: {alone.Rows:N0} rows in {alone.Seconds:F1} s");
        var limitWatch = Stopwatch.StartNew();
        var limitRows = await ExecuteAsync(dataSource, $"DELETE FROM model_requests_{monthB:yyyy_MM} WHERE workspace_id = $1", expiring);
        var limitSeconds = limitWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"  one DELETE of month B's expired rows: {limitRows:N0} rows in {limitSeconds:F2} s");

        await ExecuteAsync(dataSource, "UPDATE workspaces SET retention_model_requests_days = 30 WHERE id = $1", expiring);
        var sweeper = new RetentionSweeper(dataSource, new SessionRepository(dataSource), TimeProvider.System, NullLogger<RetentionSweeper>.Instance);
        using var stop = new CancellationTokenSource();
        var during = IngestAsync(dataSource, TimeSpan.FromHours(1), stop.Token);
        var passWatch = Stopwatch.StartNew();
        var report = await sweeper.RunPassAsync(batch, null, CancellationToken.None);
        var passSeconds = passWatch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        var ingest = await during;
        if (report.Error is not null) throw new InvalidOperationException($"the pass failed: {report.Error}");
        if (report.Rows("model_requests") != rows || report.DroppedPartitions.Count != 1)
            throw new InvalidOperationException($"the pass deleted {report.Rows("model_requests")} rows and dropped [{string.Join(", ", report.DroppedPartitions)}]; expected {rows} and month D");
        var left = await ScalarAsync(dataSource, "SELECT count(*) FROM model_requests WHERE workspace_id = $1 AND requested_at < now() - interval '30 days'", expiring);
        var keptLeft = await ScalarAsync(dataSource, "SELECT count(*) FROM model_requests WHERE workspace_id = $1", kept);
        if (left != 0 || keptLeft != 2L * rows) throw new InvalidOperationException($"{left} expired rows remain, {keptLeft} kept rows (expected 0 and {2 * rows})");

        Console.WriteLine();
        Console.WriteLine("| path | rows | seconds | rows/s | ratio to the limit |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| one unbounded DELETE of a workspace's month (limit) | {limitRows:N0} | {limitSeconds:F2} | {limitRows / limitSeconds:N0} | 1.00 |");
        var deleted = report.Rows("model_requests");
        Console.WriteLine($"| retention job's DELETE statements ({batch:N0} rows each) while ingest runs | {deleted:N0} | {report.DeleteSeconds:F2} | {deleted / report.DeleteSeconds:N0} | {limitSeconds / limitRows * (deleted / report.DeleteSeconds):F2} |");
        Console.WriteLine($"| the whole pass: checkpoints, the drop of a month ({rows:N0} rows), the batches, the held-back count ({report.Statements:N0} statements) | {deleted + rows:N0} | {passSeconds:F2} | {(deleted + rows) / passSeconds:N0} | |");
        Console.WriteLine($"| ingest alone (1,000-row INSERTs, one connection) | {alone.Rows:N0} | {alone.Seconds:F2} | {alone.Rows / alone.Seconds:N0} | |");
        Console.WriteLine($"| ingest while the pass runs | {ingest.Rows:N0} | {ingest.Seconds:F2} | {ingest.Rows / ingest.Seconds:N0} | {ingest.Rows / ingest.Seconds / (alone.Rows / alone.Seconds):F2} of alone |");
        Console.WriteLine($"(the pass dropped {string.Join(", ", report.DroppedPartitions)}: {rows:N0} rows without a row-by-row delete)");
        return 0;
    }

    private const string Owner = """
        WITH u AS (INSERT INTO users (id, email, name, created_at, updated_at, version) VALUES ($1, $1::text || '@bench.example', 'bench', now(), now(), 1)),
             w AS (INSERT INTO workspaces (id, name, slug, personal_of, created_at, updated_at) VALUES ($1, 'Personal', 'u-' || replace($1::text, '-', ''), $1, now(), now()))
        INSERT INTO sessions (id, user_id, workspace_id) VALUES ($1, $1, $1)
        """;

    private const string Requests = """
        INSERT INTO model_requests (id, session_id, user_id, workspace_id, provider, model_id, requested_at, responded_at, latency_ms, status,
                                    input_tokens, output_tokens, input_cost_usd, output_cost_usd, cost_source, metadata, recorded_at)
        SELECT gen_random_uuid(), $1, $1, $1, 'openai', 'gpt-' || (i % 5), t, t + interval '800 ms', 800, 'success',
               1000 + i % 500, 200 + i % 100, (1000 + i % 500) * 0.0000025, (200 + i % 100) * 0.00001, 'client',
               jsonb_build_object('agent', 'bench', 'step', i % 17), t
        FROM generate_series(1, $2) AS i,
             LATERAL (SELECT $3::timestamptz + (i::float8 / $2) * ($4::timestamptz - $3::timestamptz) AS t) AS at
        """;

    /// <summary>INSERTs of 1,000 current rows each (a workspace of their own) until <paramref name="stop"/> or <paramref name="duration"/>.</summary>
    private static async Task<(long Rows, double Seconds)> IngestAsync(NpgsqlDataSource dataSource, TimeSpan duration, CancellationToken? stop)
    {
        var workspace = Guid.NewGuid();
        await ExecuteAsync(dataSource, Owner, workspace);
        var watch = Stopwatch.StartNew();
        long total = 0;
        while (watch.Elapsed < duration && stop?.IsCancellationRequested != true)
        {
            var at = DateTimeOffset.UtcNow;
            total += await ExecuteAsync(dataSource, Requests, workspace, 1000, at.AddSeconds(-1), at);
        }
        return (total, watch.Elapsed.TotalSeconds);
    }

    private static async Task<long> ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
