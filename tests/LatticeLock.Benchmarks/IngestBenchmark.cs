using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Hosting;
using LatticeLock.Storage;
using LatticeLock.Storage.Metrics;
using LatticeLock.Storage.Migrations;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// Model-request ingest through the grains (group commit, binary COPY) against, in the same run and on the same rows,
/// raw Npgsql binary COPY and the naive one-INSERT-per-row path.
/// </summary>
public static class IngestBenchmark
{
    public static async Task<int> RunAsync(IngestSettings settings)
    {
        await using var postgres = await BenchmarkPostgres.StartAsync();
        var server = postgres.Server;
        var database = await CreateDatabaseAsync(server, "nosinks");
        Console.WriteLine($"database: {new NpgsqlConnectionStringBuilder(database).Database}; {settings.Requests:N0} requests, {settings.Callers} callers, {settings.Sessions:N0} sessions");
        Console.WriteLine("grain path without metric sinks (Metrics:Enabled=false)");
        var rows = await RunGrainPathAsync(database, settings, withSinks: false);
        Console.WriteLine("binary COPY of the same rows into each table layout (one connection)");
        await CopyBaselines.RunAsync(database, rows, settings, Report);
        await RunNaiveInsertAsync(database, rows, settings);
        if (settings.HttpRequests > 0)
        {
            Console.WriteLine("HTTP ingest through the real silo executable and its gateway");
            Report.HttpConnections = settings.HttpConnections;
            Report.HttpBatchConnections = settings.HttpBatchConnections;
            Report.HttpBatchSize = settings.HttpBatchSize;
            await HttpIngestBenchmark.RunAsync(await CreateDatabaseAsync(server, "http"), settings, Report);
        }
        var withSinks = await CreateDatabaseAsync(server, "sinks");
        Console.WriteLine("grain path with the PostgreSQL sink and cost aggregates running");
        var sinkRows = await RunGrainPathAsync(withSinks, settings, withSinks: true);
        if (settings.AnalyticsRows > 0) await AnalyticsBenchmark.RunAsync(withSinks, sinkRows, settings.AnalyticsRows, Report);
        Report.Print();
        return 0;
    }

    internal static readonly BenchmarkReport Report = new();

    internal static async Task<List<ModelRequestRow>> RunGrainPathAsync(string database, IngestSettings settings, bool withSinks)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The silo sizes its pools from its connection budget and refuses a pool size in the connection string.
            ["ConnectionStrings:postgres"] = WithoutPoolSize(database),
            ["LatticeLock:Database:MaxConnections"] = "100",
            [$"{SiloHostOptions.Section}:ClusterId"] = "bench-" + (withSinks ? "sinks" : "nosinks"),
            ["Metrics:Enabled"] = withSinks ? "true" : "false",
            ["Metrics:Sinks"] = "postgres",
        });
        var ports = LoopbackPorts.Distinct(2);
        builder.UseOrleans(silo => silo
            .AddLatticeLock(builder.Configuration)
            .ConfigureEndpoints(IPAddress.Loopback, ports[0], ports[1]));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        var userId = Guid.NewGuid();
        await grains.GetGrain<IUserGrain>(userId).Create(new CreateUser("bench@example.com", "bench"));
        var sessions = new Guid[settings.Sessions];
        for (var i = 0; i < sessions.Length; i++)
        {
            sessions[i] = Guid.NewGuid();
            await grains.GetGrain<ISessionGrain>(sessions[i]).Start(new StartSession(userId, null, null));
        }
        var models = new[] { "gpt-4o", "claude-sonnet-4", "gemini-2.5-pro", "llama-3.1-70b" };
        var rows = new List<ModelRequestRow>(settings.Requests);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < settings.Requests; i++)
        {
            rows.Add(new ModelRequestRow(sessions[i % sessions.Length], userId, new ModelRequestRecord
            {
                Id = Guid.NewGuid(),
                ModelId = models[i % models.Length],
                Provider = "bench",
                TaskType = i % 3 == 0 ? "code" : "chat",
                RequestedAt = start.AddMilliseconds(i),
                RespondedAt = start.AddMilliseconds(i + 180),
                LatencyMs = 180,
                InputTokens = 500 + i % 1000,
                OutputTokens = 100 + i % 300,
                InputCostUsd = 0.00000125m * (500 + i % 1000),
                OutputCostUsd = 0.00001m * (100 + i % 300),
                Status = ModelRequestStatus.Success,
                TraceId = "trace-" + (i / 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
        }

        // Warm up JIT, connections and activations on a small slice that is not measured.
        var warmup = Math.Min(2_000, rows.Count / 10);
        await DriveAsync(grains, rows, 0, warmup, settings.Callers, null);
        var latencies = new LatencyRecorder(rows.Count);
        var watch = Stopwatch.StartNew();
        var progress = new Timer(_ => Console.WriteLine($"  grain path: {Volatile.Read(ref _done):N0}/{rows.Count - warmup:N0} acknowledged"), null, 2_000, 2_000);
        await DriveAsync(grains, rows, warmup, rows.Count, settings.Callers, latencies);
        watch.Stop();
        await progress.DisposeAsync();

        await using (var sources = new PostgresDataSources(database))
        await using (var count = sources.Primary.CreateCommand("SELECT count(*) FROM model_requests"))
        {
            var stored = (long)(await count.ExecuteScalarAsync())!;
            Console.WriteLine($"stored rows: {stored:N0} of {rows.Count:N0} acknowledged");
            if (stored != rows.Count) throw new InvalidOperationException($"lost rows: {rows.Count - stored}");
        }
        var rowsPerSecond = (rows.Count - warmup) / watch.Elapsed.TotalSeconds;
        if (withSinks)
        {
            Report.GrainWithSinksRowsPerSecond = rowsPerSecond;
            Report.SinkDrainSeconds = await WaitForSinksAsync(host.Services.GetRequiredService<MetricCursorStore>(), rows.Count);
            Report.P50WithSinksMs = latencies.PercentileMs(50);
            Report.P99WithSinksMs = latencies.PercentileMs(99);
            await host.StopAsync();
            return rows;
        }
        Report.GrainRowsPerSecond = rowsPerSecond;

        // The same log without the grain hop: how much of the cost is Orleans, how much PostgreSQL.
        var log = host.Services.GetRequiredService<ModelRequestLog>();
        var direct = rows.Take(Math.Min(rows.Count, 20_000)).Select(r => r with { Request = r.Request with { Id = Guid.NewGuid() } }).ToList();
        var next = -1;
        var logWatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < direct.Count) await log.AppendAsync(direct[i]);
        })));
        Report.LogRowsPerSecond = direct.Count / logWatch.Elapsed.TotalSeconds;
        Report.P50Ms = latencies.PercentileMs(50);
        Report.P99Ms = latencies.PercentileMs(99);
        if (settings.ActivationSizes.Length > 0)
        {
            Console.WriteLine("session activation against stored history");
            await ActivationBenchmark.RunAsync(grains, database, userId, settings.ActivationSizes, Report);
        }
        if (settings.MemorySessions > 0)
        {
            Console.WriteLine("memory per active session grain and the log's bound");
            await MemoryBenchmark.RunAsync(grains, database, userId, settings.MemorySessions, rows,
                host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<LatticeLock.Storage.Commits.GroupCommitOptions>>().Get(ModelRequestLog.Section), Report);
        }
        await host.StopAsync();
        return rows;
    }

    private static int _done;

    /// <summary>Seconds from the end of ingest until both consumers have every row (how far the sinks trailed).</summary>
    private static async Task<double> WaitForSinksAsync(MetricCursorStore cursors, int rows)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var states = await cursors.StatesAsync(CancellationToken.None);
            var behind = states.Count < 2 ? rows : states.Max(s => s.Pending);
            if (behind == 0) return watch.Elapsed.TotalSeconds;
            if (watch.Elapsed > TimeSpan.FromMinutes(10)) throw new InvalidOperationException($"sinks still {behind} rows behind after 10 minutes");
            Console.WriteLine($"  sinks: {string.Join(", ", states.Select(s => $"{s.Sink} {s.Pending:N0} pending"))}");
            await Task.Delay(1000);
        }
    }

    private static async Task DriveAsync(IGrainFactory grains, List<ModelRequestRow> rows, int from, int to, int callers, LatencyRecorder? latencies)
    {
        var next = from - 1;
        _done = 0;
        // Callers hold their grain references, as an orchestrator would (GetGrain per call reflects over attributes).
        var references = rows.Select(r => r.SessionId).Distinct().ToDictionary(id => id, id => grains.GetGrain<ISessionGrain>(id));
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                var row = rows[i];
                var started = Stopwatch.GetTimestamp();
                await references[row.SessionId].RecordModelRequest(row.Request);
                latencies?.Add(Stopwatch.GetTimestamp() - started);
                Interlocked.Increment(ref _done);
            }
        })));
    }

    private static async Task RunNaiveInsertAsync(string database, List<ModelRequestRow> rows, IngestSettings settings)
    {
        const int connections = 64; // the naive baseline is defined as one INSERT per row from 64 connections
        var builder = new NpgsqlConnectionStringBuilder(database) { MaxPoolSize = connections + 4 };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var create = dataSource.CreateCommand(
            "CREATE TABLE model_requests_naive_baseline (LIKE model_requests INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING INDEXES)"))
        {
            await create.ExecuteNonQueryAsync();
        }
        var next = -1;
        var inserted = 0L;
        var stopAt = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(settings.NaiveSeconds);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            int i;
            while (stopAt.Elapsed < duration && (i = Interlocked.Increment(ref next)) < rows.Count)
            {
                var r = rows[i].Request;
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO model_requests_naive_baseline (id, session_id, user_id, model_id, provider, task_type, requested_at, responded_at,
                        latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd, status, trace_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'success', $14)
                    """, connection);
                insert.Parameters.AddWithValue(r.Id);
                insert.Parameters.AddWithValue(rows[i].SessionId);
                insert.Parameters.AddWithValue(rows[i].UserId);
                insert.Parameters.AddWithValue(r.ModelId);
                insert.Parameters.AddWithValue(r.Provider);
                insert.Parameters.AddWithValue((object?)r.TaskType ?? DBNull.Value);
                insert.Parameters.AddWithValue(r.RequestedAt.ToUniversalTime());
                insert.Parameters.AddWithValue(r.RespondedAt!.Value.ToUniversalTime());
                insert.Parameters.AddWithValue(r.LatencyMs!.Value);
                insert.Parameters.AddWithValue(r.InputTokens);
                insert.Parameters.AddWithValue(r.OutputTokens);
                insert.Parameters.AddWithValue(r.InputCostUsd!.Value);
                insert.Parameters.AddWithValue(r.OutputCostUsd!.Value);
                insert.Parameters.AddWithValue((object?)r.TraceId ?? DBNull.Value);
                await insert.ExecuteNonQueryAsync();
                Interlocked.Increment(ref inserted);
            }
        })));
        Report.NaiveRowsPerSecond = inserted / stopAt.Elapsed.TotalSeconds;
    }

    internal static async Task<string> CreateDatabaseAsync(string server, string suffix)
    {
        var name = "bench_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "_" + suffix;
        // Through the primary when the server is replicated (several hosts): standbys are read-only.
        await using (var admin = new PostgresDataSources(server))
        await using (var create = admin.Primary.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }
        var database = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 200 }.ConnectionString;
        await using var sources = new PostgresDataSources(database);
        await new MigrationRunner(sources.Primary).UpAsync();
        return database;
    }


    /// <summary>The connection string without its pool size, as a silo accepts it (its budget sizes the pools).</summary>
    internal static string WithoutPoolSize(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Remove("Maximum Pool Size");
        return builder.ConnectionString;
    }
}
