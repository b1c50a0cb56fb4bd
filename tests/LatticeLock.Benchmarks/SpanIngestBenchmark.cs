using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using LatticeLock.Silo.Otlp.Proto;
using LatticeLock.Testing;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Benchmarks;

/// <summary>
/// <c>LatticeLock.Benchmarks spans</c>: spans per second over OTLP/HTTP protobuf (batches of 512, as the SDKs' batch
/// processors send them) into the real silo executable, against the physical limit measured in the same run on the
/// same database: one binary COPY stream of the same span rows straight into <c>spans</c>. Prints a table with the
/// ratio and the P50/P99 of the export call. Every export is checked (200, nothing rejected) and every span counted
/// in the table afterwards.
/// </summary>
public static class SpanIngestBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var batches = BenchmarkArgs.Option(args, "--batches", 400);
        var batchSize = BenchmarkArgs.Option(args, "--batch-size", 512);
        var connections = BenchmarkArgs.Option(args, "--connections", 8);
        await using var postgres = await BenchmarkPostgres.StartAsync();
        var server = postgres.Server;
        var total = batches * batchSize;
        Console.WriteLine($"{batches} exports of {batchSize} spans ({total:N0} spans), {connections} connections");

        var copyDatabase = await IngestBenchmark.CreateDatabaseAsync(server, "spans_copy");
        var copyRate = await CopyAsync(copyDatabase, Build(batches, batchSize));
        Console.WriteLine($"  raw binary COPY into spans: {copyRate:N0} spans/s");

        var otlpDatabase = await IngestBenchmark.CreateDatabaseAsync(server, "spans_otlp");
        var (otlpRate, p50, p99) = await ExportAsync(otlpDatabase, Build(batches, batchSize), Build(Math.Max(8, batches / 8), batchSize, seed: 7), connections);
        Console.WriteLine($"  OTLP/HTTP protobuf: {otlpRate:N0} spans/s, P50 {p50:F1} ms, P99 {p99:F1} ms per export");

        Console.WriteLine();
        Console.WriteLine("| path | spans/s | ratio to COPY | export P50 ms | export P99 ms |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| raw binary COPY into `spans` (limit) | {copyRate:N0} | 1.00 | | |");
        Console.WriteLine($"| OTLP/HTTP protobuf, {batchSize} per export, {connections} connections | {otlpRate:N0} | {otlpRate / copyRate:F2} | {p50:F1} | {p99:F1} |");
        Console.WriteLine($"target: OTLP ≥ 0.30 × COPY → {(otlpRate / copyRate >= 0.3 ? "met" : "not met")}");
        return 0;
    }

    /// <summary>Export requests of spans shaped like an agent's: traces of 8 spans, attributes of an LLM call on every other span.</summary>
    private static List<ExportTraceServiceRequest> Build(int batches, int batchSize, int seed = 42)
    {
        var requests = new List<ExportTraceServiceRequest>(batches);
        var start = (ulong)(DateTime.UtcNow.AddMinutes(-10) - DateTime.UnixEpoch).Ticks * 100;
        var random = new Random(seed);
        for (var b = 0; b < batches; b++)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench" } };
            byte[] trace = [];
            byte[] parent = [];
            for (var i = 0; i < batchSize; i++)
            {
                if (i % 8 == 0)
                {
                    trace = new byte[16];
                    random.NextBytes(trace);
                    parent = [];
                }
                var id = new byte[8];
                random.NextBytes(id);
                var span = new Span
                {
                    TraceId = ByteString.CopyFrom(trace),
                    SpanId = ByteString.CopyFrom(id),
                    ParentSpanId = ByteString.CopyFrom(parent),
                    Name = i % 2 == 0 ? "tool step" : "http call",
                    Kind = Span.Types.SpanKind.Internal,
                    StartTimeUnixNano = start + (ulong)(b * batchSize + i) * 1000,
                    EndTimeUnixNano = start + (ulong)(b * batchSize + i) * 1000 + 250_000_000,
                };
                span.Attributes.Add(new KeyValue { Key = "agent.step", Value = new AnyValue { IntValue = i } });
                span.Attributes.Add(new KeyValue { Key = "http.url", Value = new AnyValue { StringValue = "https://api.example.com/v1/search?q=benchmark" } });
                if (i % 8 == 0) parent = id;
                scope.Spans.Add(span);
            }
            var resource = new ResourceSpans { Resource = new Resource() };
            resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "bench-agent" } });
            resource.ScopeSpans.Add(scope);
            var request = new ExportTraceServiceRequest();
            request.ResourceSpans.Add(resource);
            requests.Add(request);
        }
        return requests;
    }

    private static async Task<double> CopyAsync(string database, List<ExportTraceServiceRequest> requests)
    {
        var spans = requests.SelectMany(r => r.ResourceSpans[0].ScopeSpans[0].Spans).ToList();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using (var copy = await connection.BeginBinaryImportAsync("""
            COPY spans (user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at, status_code,
                        status_message, scope_name, attributes, resource_id, events, model_request_id) FROM STDIN (FORMAT BINARY)
            """))
        {
            var owner = Guid.NewGuid();
            var resource = System.Security.Cryptography.SHA256.HashData("""{"service.name":"bench-agent"}"""u8);
            foreach (var s in spans)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(owner, NpgsqlDbType.Uuid);
                await copy.WriteAsync(Convert.ToHexStringLower(s.TraceId.Span), NpgsqlDbType.Text);
                await copy.WriteAsync(Convert.ToHexStringLower(s.SpanId.Span), NpgsqlDbType.Text);
                if (s.ParentSpanId.IsEmpty) await copy.WriteNullAsync(); else await copy.WriteAsync(Convert.ToHexStringLower(s.ParentSpanId.Span), NpgsqlDbType.Text);
                await copy.WriteAsync(s.Name, NpgsqlDbType.Text);
                await copy.WriteAsync((short)s.Kind, NpgsqlDbType.Smallint);
                await copy.WriteAsync((long)s.StartTimeUnixNano, NpgsqlDbType.Bigint);
                await copy.WriteAsync((long)s.EndTimeUnixNano, NpgsqlDbType.Bigint);
                await copy.WriteAsync(DateTime.UnixEpoch.AddTicks((long)s.StartTimeUnixNano / 100), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync((short)0, NpgsqlDbType.Smallint);
                await copy.WriteNullAsync();
                await copy.WriteAsync("bench", NpgsqlDbType.Text);
                await copy.WriteAsync("""{"agent.step":1,"http.url":"https://api.example.com/v1/search?q=benchmark"}""", NpgsqlDbType.Jsonb);
                await copy.WriteAsync(resource, NpgsqlDbType.Bytea);
                await copy.WriteAsync("[]", NpgsqlDbType.Jsonb);
                await copy.WriteNullAsync();
            }
            await copy.CompleteAsync();
        }
        return spans.Count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Sends <paramref name="warmUp"/> first (not measured: JIT, pools, first partitions), then the measured exports.</summary>
    private static async Task<(double Rate, double P50, double P99)> ExportAsync(string database, List<ExportTraceServiceRequest> requests,
        List<ExportTraceServiceRequest> warmUp, int connections)
    {
        var (code, output) = await BuiltProgram.RunCliAsync(IngestBenchmark.WithoutPoolSize(database), "keys", "create", "--admin");
        if (code != 0) throw new InvalidOperationException($"lattice keys create failed: {output}");
        var key = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
        await using var silo = SiloProcess.Start(new()
        {
            // The silo sizes its pools from its connection budget, never from the connection string.
            ["ConnectionStrings__postgres"] = IngestBenchmark.WithoutPoolSize(database),
            ["LatticeLock__Database__MaxConnections"] = "100",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Metrics__Enabled"] = "false",
        });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(120));
        await SendAllAsync(http, key, warmUp.Select(r => r.ToByteArray()).ToList(), connections, null);
        var bodies = requests.Select(r => r.ToByteArray()).ToList();
        var latencies = new LatencyRecorder(bodies.Count);
        var watch = Stopwatch.StartNew();
        await SendAllAsync(http, key, bodies, connections, latencies);
        var elapsed = watch.Elapsed.TotalSeconds;
        var spans = requests.Concat(warmUp).Sum(r => r.ResourceSpans[0].ScopeSpans[0].Spans.Count);
        await using (var dataSource = NpgsqlDataSource.Create(database))
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM spans"))
        {
            var stored = (long)(await count.ExecuteScalarAsync())!;
            if (stored != spans) throw new InvalidOperationException($"{spans} spans acknowledged but {stored} stored");
        }
        var measured = requests.Sum(r => r.ResourceSpans[0].ScopeSpans[0].Spans.Count);
        return (measured / elapsed, latencies.PercentileMs(50), latencies.PercentileMs(99));
    }

    private static async Task SendAllAsync(HttpClient http, string key, List<byte[]> bodies, int connections, LatencyRecorder? latencies)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/otlp/v1/traces") { Content = new ByteArrayContent(bodies[i]) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(request);
                var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
                if (response.StatusCode != HttpStatusCode.OK || answer.PartialSuccess?.RejectedSpans > 0)
                    throw new InvalidOperationException($"export {i} answered {(int)response.StatusCode}: {answer}");
                latencies?.Add(Stopwatch.GetTimestamp() - started);
            }
        })));
    }

}
