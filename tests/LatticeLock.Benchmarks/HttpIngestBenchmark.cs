using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LatticeLock.Testing;

namespace LatticeLock.Benchmarks;

/// <summary>
/// HTTP ingest end to end: the real silo executable with its gateway, N keep-alive connections posting single
/// requests to <c>POST /v1/model-requests</c>, then M connections posting batches to <c>/v1/model-requests/batch</c>.
/// Every answer is checked (201 / every item created); rows per second and latency percentiles per HTTP call.
/// </summary>
public static class HttpIngestBenchmark
{
    public static async Task RunAsync(string database, IngestSettings settings, BenchmarkReport report)
    {
        var (code, output) = await BuiltProgram.RunCliAsync(IngestBenchmark.WithoutPoolSize(database), "keys", "create", "--admin");
        if (code != 0) throw new InvalidOperationException($"lattice keys create failed: {output}");
        var adminKey = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
        await using var silo = SiloProcess.Start(new()
        {
            // The silo sizes its pools from its connection budget, never from the connection string.
            ["ConnectionStrings__postgres"] = IngestBenchmark.WithoutPoolSize(database),
            ["LatticeLock__Database__MaxConnections"] = "100",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Metrics__Enabled"] = "false",
        });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(settings.HttpConnections, settings.HttpBatchConnections), PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(120));

        var userId = (await PostAsync(http, adminKey, "/v1/users", $$"""{"email":"bench-{{Guid.NewGuid():N}}@example.com"}""")).GetProperty("id").GetGuid();
        var key = (await PostAsync(http, adminKey, $"/v1/users/{userId}/api-keys", """{"name":"bench","scopes":["sessions:write","sessions:read"],"rate_limit_per_second":10000000,"max_concurrent_requests":100000}""")).GetProperty("key").GetString()!;
        var sessions = new List<Guid>();
        for (var i = 0; i < 64; i++) sessions.Add((await PostAsync(http, key, "/v1/sessions", "{}")).GetProperty("id").GetGuid());

        // Single requests: N connections, each a closed loop (send, wait for 201, send the next). The load comes from
        // wrk, a separate process, when it is installed (apt-get install wrk), so the generator is not what is measured;
        // otherwise from an in-process HttpClient, and the report says which.
        await DriveSinglesAsync(http, key, sessions, settings.HttpConnections, 2_000, null); // warm-up, not measured
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        if (WrkLoad.Find() is { } wrk)
        {
            var before = await StoredAsync(database, userId);
            var seconds = TimeSpan.FromSeconds(Math.Max(5, settings.HttpRequests / 4_000.0));
            var result = await WrkLoad.RunAsync(wrk, silo.BaseAddress, key, sessions, settings.HttpConnections, seconds);
            var stored = await StoredAsync(database, userId) - before;
            // Every 201 is a stored row; a request still in flight when wrk stopped may be stored without being counted.
            if (stored < result.Acknowledged || stored > result.Acknowledged + settings.HttpConnections)
                throw new InvalidOperationException($"wrk saw {result.Acknowledged} requests acknowledged but {stored} rows were stored");
            report.HttpLoadGenerator = $"wrk (separate process, {settings.HttpConnections} connections, {seconds.TotalSeconds:0} s)";
            report.HttpSingleRowsPerSecond = result.RowsPerSecond;
            report.HttpSingleP50Ms = result.P50Ms;
            report.HttpSingleP99Ms = result.P99Ms;
            Console.WriteLine($"  http single (wrk): {result.Acknowledged:N0} acknowledged, {result.Refused:N0} refused, all {stored:N0} stored rows accounted for");
        }
        else
        {
            var singles = new LatencyRecorder(settings.HttpRequests);
            var watch0 = Stopwatch.StartNew();
            await DriveSinglesAsync(http, key, sessions, settings.HttpConnections, settings.HttpRequests, singles, acknowledged);
            report.HttpLoadGenerator = "in-process HttpClient (wrk is not installed; apt-get install wrk for a separate generator)";
            report.HttpSingleRowsPerSecond = settings.HttpRequests / watch0.Elapsed.TotalSeconds;
            report.HttpSingleP50Ms = singles.PercentileMs(50);
            report.HttpSingleP99Ms = singles.PercentileMs(99);
            await RequireStoredAsync(database, acknowledged);
        }
        Console.WriteLine($"  http single: {report.HttpSingleRowsPerSecond:N0} rows/s, P50 {report.HttpSingleP50Ms:F1} ms, P99 {report.HttpSingleP99Ms:F1} ms ({report.HttpLoadGenerator})");
        var watch = Stopwatch.StartNew();

        // Batches of HttpBatchSize: M connections.
        var calls = Math.Max(1, settings.HttpRequests * 2 / settings.HttpBatchSize);
        var batches = new LatencyRecorder(calls);
        watch.Restart();
        var batched = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await DriveBatchesAsync(http, key, sessions, settings.HttpBatchConnections, calls, settings.HttpBatchSize, batches, batched);
        report.HttpBatchRowsPerSecond = (double)calls * settings.HttpBatchSize / watch.Elapsed.TotalSeconds;
        report.HttpBatchP50Ms = batches.PercentileMs(50);
        report.HttpBatchP99Ms = batches.PercentileMs(99);
        Console.WriteLine($"  http batch: {report.HttpBatchRowsPerSecond:N0} rows/s, P50 {report.HttpBatchP50Ms:F1} ms, P99 {report.HttpBatchP99Ms:F1} ms per call of {settings.HttpBatchSize}");
        await RequireStoredAsync(database, batched);
    }

    /// <summary>Rows stored for the benchmark's user.</summary>
    private static async Task<long> StoredAsync(string database, Guid userId)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(IngestBenchmark.WithoutPoolSize(database));
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM model_requests WHERE user_id = $1");
        count.Parameters.AddWithValue(userId);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Every acknowledged id is stored (checked through model_request_ids, in chunks); throws naming how many are not.</summary>
    private static async Task RequireStoredAsync(string database, IEnumerable<Guid> acknowledged)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(IngestBenchmark.WithoutPoolSize(database));
        long missing = 0, checkedIds = 0;
        foreach (var chunk in acknowledged.Chunk(50_000))
        {
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM model_request_ids WHERE id = ANY($1)");
            count.Parameters.AddWithValue(chunk);
            missing += chunk.Length - (long)(await count.ExecuteScalarAsync())!;
            checkedIds += chunk.Length;
        }
        if (missing > 0) throw new InvalidOperationException($"{missing} of {checkedIds} acknowledged model requests are not stored");
        Console.WriteLine($"  checked: all {checkedIds:N0} acknowledged model requests are stored");
    }

    private static async Task DriveSinglesAsync(HttpClient http, string key, List<Guid> sessions, int connections, int count, LatencyRecorder? latencies,
        System.Collections.Concurrent.ConcurrentBag<Guid>? acknowledged = null)
    {
        var next = -1;
        var start = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var id = Guid.NewGuid();
                var body = RequestJson(id, sessions[i % sessions.Count], start.AddMilliseconds(i), i);
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/model-requests") { Content = Json(body) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Created)
                    throw new InvalidOperationException($"POST /v1/model-requests answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                latencies?.Add(Stopwatch.GetTimestamp() - started);
                acknowledged?.Add(id);
            }
        })));
    }

    private static async Task DriveBatchesAsync(HttpClient http, string key, List<Guid> sessions, int connections, int calls, int size, LatencyRecorder latencies,
        System.Collections.Concurrent.ConcurrentBag<Guid> acknowledged)
    {
        var next = -1;
        var start = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int call;
            while ((call = Interlocked.Increment(ref next)) < calls)
            {
                var body = new StringBuilder("{\"requests\":[");
                var ids = new Guid[size];
                for (var j = 0; j < size; j++)
                {
                    var i = call * size + j;
                    if (j > 0) body.Append(',');
                    ids[j] = Guid.NewGuid();
                    body.Append(RequestJson(ids[j], sessions[i % sessions.Count], start.AddMilliseconds(i), i));
                }
                body.Append("]}");
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/model-requests/batch") { Content = Json(body.ToString()) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"batch answered {(int)response.StatusCode}: {text}");
                using var answer = JsonDocument.Parse(text);
                var created = answer.RootElement.GetProperty("accepted").GetInt32();
                if (created != size) throw new InvalidOperationException($"batch stored {created} of {size}: {text[..Math.Min(text.Length, 500)]}");
                latencies.Add(Stopwatch.GetTimestamp() - started);
                foreach (var id in ids) acknowledged.Add(id);
            }
        })));
    }

    private static string RequestJson(Guid id, Guid sessionId, DateTimeOffset at, int i) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"id":"{{id}}","session_id":"{{sessionId}}","model_id":"gpt-4o","provider":"openai","task_type":"code","requested_at":"{{at:yyyy-MM-ddTHH:mm:ss.fffZ}}","latency_ms":180,"input_tokens":{{500 + i % 1000}},"output_tokens":{{100 + i % 300}},"input_cost_usd":0.00125,"output_cost_usd":0.001,"status":"success"}""");

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> PostAsync(HttpClient http, string key, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
