using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The real silo with OTEL_EXPORTER_OTLP_ENDPOINT set exports over OTLP/HTTP (the stock OpenTelemetry exporter) to a
/// local listener standing in for the Aspire dashboard: one HTTP model request sent with a W3C traceparent yields
/// spans of that trace from the gateway, the grain calls and the log commit, and the log's metrics arrive too.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OpenTelemetryExportTests(ServersFixture servers)
{
    [Fact]
    public async Task A_model_request_over_http_is_one_trace_from_the_gateway_through_the_grains_to_the_log_commit()
    {
        using var collector = new OtlpListener();
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_SERVICE_NAME"] = "latticelock-silo-test",
        });
        var (_, key) = await env.NewUserWithKeyAsync("sessions:write", "sessions:read");
        var client = env.Client(key);
        var session = await client.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created);

        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/model-requests")
        {
            Content = new StringContent($$"""{"session_id":"{{session["id"]}}","model_id":"gpt-4o","provider":"openai","requested_at":"2026-11-23T10:00:00Z","input_tokens":10,"output_tokens":5,"status":"success"}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{"0123456789abcdef"}-01");
        Assert.Equal(HttpStatusCode.Created, (await env.Http.SendAsync(request)).StatusCode);

        // Protobuf carries trace ids as 16 raw bytes and names as UTF-8, so both can be found in the exported bodies.
        var traceBytes = Convert.FromHexString(traceId);
        // Spans arrive in export batches of their own timing (the gateway's ends last, after the response): wait until
        // the bodies of this trace hold all four, not for a number of bodies.
        List<string> Exported() => collector.Bodies("/v1/traces").Where(b => b.AsSpan().IndexOf(traceBytes) >= 0).Select(b => Encoding.UTF8.GetString(b)).ToList();
        var spans = await Eventually.Until(() => Task.FromResult(Exported()), bodies =>
            bodies.Any(s => s.Contains("http.route", StringComparison.Ordinal) && s.Contains("/v1/model-requests", StringComparison.Ordinal))
            && bodies.Any(s => s.Contains("RecordModelRequest", StringComparison.Ordinal))
            && bodies.Any(s => s.Contains("commit model requests", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.Contains(spans, s => s.Contains("http.route", StringComparison.Ordinal) && s.Contains("/v1/model-requests", StringComparison.Ordinal)); // the gateway
        Assert.Contains(spans, s => s.Contains("RecordModelRequest", StringComparison.Ordinal));               // the grain call
        Assert.Contains(spans, s => s.Contains("commit model requests", StringComparison.Ordinal));            // the log commit
        Assert.Contains(spans, s => s.Contains("latticelock-silo-test", StringComparison.Ordinal));            // the service

        Assert.True(await Eventually.Until(() => Task.FromResult(collector.Bodies("/v1/metrics").Any(b =>
            Encoding.UTF8.GetString(b).Contains("latticelock.group_commit.batch_size", StringComparison.Ordinal))), found => found, TimeSpan.FromSeconds(30)), "the group-commit batch size metric was exported");
    }

    /// <summary>Accepts OTLP/HTTP posts and keeps their bodies by path.</summary>
    private sealed class OtlpListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
        private readonly Task _loop;

        public OtlpListener()
        {
            var port = LoopbackPorts.Free();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Endpoint { get; }

        public IEnumerable<byte[]> Bodies(string path) => _received.Where(r => r.Path == path).Select(r => r.Body);

        /// <summary>How many exported bodies on <paramref name="path"/> hold <paramref name="bytes"/> (spans of one trace arrive in several).</summary>
        public int Count(string path, byte[] bytes) => Bodies(path).Sum(b => Occurrences(b, bytes));

        private static int Occurrences(byte[] haystack, byte[] needle)
        {
            var count = 0;
            var span = haystack.AsSpan();
            int at;
            while ((at = span.IndexOf(needle)) >= 0)
            {
                count++;
                span = span[(at + needle.Length)..];
            }
            return count;
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }


        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
