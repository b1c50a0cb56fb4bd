using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Google.Protobuf;
using LatticeLock.Silo.Otlp;
using LatticeLock.Silo.Otlp.Proto;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Traces over OTLP/HTTP from the stock OpenTelemetry .NET SDK exporter into a real silo process: an agent workflow is
/// stored span by span, its LLM spans become priced model requests of the conversation's session, a re-export stores
/// nothing twice, and the tree reads back with durations, self time and cost per subtree. Bad bodies get the
/// documented status and store nothing.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OtlpTraceTests(ServersFixture servers) : IAsyncLifetime
{
    private GatewayEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        _env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?> { ["LatticeLock__Otlp__MaxBodyBytes"] = "65536" });
        try
        {
            var admin = _env.Client(_env.AdminKey);
            // Prices in effect long before the spans: gpt-4o 2.50 / 10.00 USD per million tokens, gpt-4o-mini 0.15 / 0.60.
            await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o","input_usd_per_mtok":2.5,"output_usd_per_mtok":10,"effective_from":"2020-01-01T00:00:00Z"}""", HttpStatusCode.Created);
            await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o-mini","input_usd_per_mtok":0.15,"output_usd_per_mtok":0.6,"effective_from":"2020-01-01T00:00:00Z"}""", HttpStatusCode.Created);
        }
        catch
        {
            await _env.DisposeAsync(); // xUnit does not dispose a class whose InitializeAsync failed: never leave its silo running
            throw;
        }
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task A_workflow_exported_by_the_dotnet_sdk_is_stored_once_priced_and_read_back_as_a_tree()
    {
        var (userId, key) = await _env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var conversation = $"dotnet-conversation-{Guid.NewGuid():N}";
        using var source = new ActivitySource("agent-workflow-test");
        var finished = new List<Activity>();
        var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri(_env.Http.BaseAddress!, "/otlp/v1/traces"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            Headers = $"Authorization=Bearer {key}",
        });
        using (var provider = Sdk.CreateTracerProviderBuilder()
                   .AddSource(source.Name)
                   .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("dotnet-agent"))
                   .AddProcessor(new Collect(finished))
                   .AddProcessor(new BatchActivityExportProcessor(exporter))
                   .Build())
        {
            var t0 = DateTime.UtcNow.AddSeconds(-30);
            using (var root = source.StartActivity("invoke_agent planner", ActivityKind.Internal, default(ActivityContext), startTime: t0)!)
            {
                root.SetTag("gen_ai.conversation.id", conversation);
                using (var plan = source.StartActivity("plan", ActivityKind.Internal, root.Context, startTime: t0)!) plan.SetEndTime(t0.AddMilliseconds(100));
                using (var chat = source.StartActivity("chat gpt-4o", ActivityKind.Client, root.Context, startTime: t0.AddMilliseconds(100))!)
                {
                    chat.SetTag("gen_ai.operation.name", "chat").SetTag("gen_ai.provider.name", "openai").SetTag("gen_ai.request.model", "gpt-4o")
                        .SetTag("gen_ai.usage.input_tokens", 1200).SetTag("gen_ai.usage.output_tokens", 300).SetTag("gen_ai.request.temperature", 0.3);
                    chat.SetEndTime(t0.AddMilliseconds(1100));
                }
                using (var mini = source.StartActivity("chat gpt-4o-mini", ActivityKind.Client, root.Context, startTime: t0.AddMilliseconds(1200))!)
                {
                    mini.SetTag("gen_ai.operation.name", "chat").SetTag("gen_ai.provider.name", "openai").SetTag("gen_ai.request.model", "gpt-4o-mini")
                        .SetTag("gen_ai.usage.input_tokens", 800).SetTag("gen_ai.usage.output_tokens", 150).SetTag("gen_ai.request.max_tokens", 512);
                    mini.SetEndTime(t0.AddMilliseconds(1700));
                }
                using (var tool = source.StartActivity("execute_tool search", ActivityKind.Internal, root.Context, startTime: t0.AddMilliseconds(1800))!)
                {
                    tool.SetTag("gen_ai.operation.name", "execute_tool").SetTag("gen_ai.tool.name", "search");
                    tool.SetEndTime(t0.AddMilliseconds(2000));
                }
                root.SetEndTime(t0.AddMilliseconds(2100));
            }
            Assert.True(provider.ForceFlush(30_000), "the SDK could not export the spans");
        }
        var traceId = finished.Single(a => a.ParentSpanId == default).TraceId.ToHexString();

        // A retry: the SDK exporter sends the very same spans again.
        var retry = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri(_env.Http.BaseAddress!, "/otlp/v1/traces"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            Headers = $"Authorization=Bearer {key}",
        });
        Assert.Equal(ExportResult.Success, retry.Export(new Batch<Activity>([.. finished], finished.Count)));

        var api = _env.Client(key);
        var tree = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal(5, tree["span_count"]!.GetValue<int>());
        Assert.Equal(2, tree["model_requests"]!.GetValue<int>());
        Assert.Equal(2000, tree["input_tokens"]!.GetValue<long>());
        Assert.Equal(450, tree["output_tokens"]!.GetValue<long>());
        // 1200 × 2.50 + 300 × 10.00 + 800 × 0.15 + 150 × 0.60 micro-dollars = 0.003 + 0.003 + 0.00012 + 0.00009
        Assert.Equal(0.00621m, tree["cost_usd"]!.GetValue<decimal>());
        Assert.Null(tree["next_cursor"]);
        var treeSpans = tree["spans"]!.AsArray();
        var root2 = treeSpans[0]!;
        Assert.Equal(("invoke_agent planner", 0, 4), (root2["name"]!.GetValue<string>(), root2["depth"]!.GetValue<int>(), root2["child_count"]!.GetValue<int>()));
        Assert.Equal(2100, root2["duration_ms"]!.GetValue<double>());
        Assert.Equal(300, root2["self_time_ms"]!.GetValue<double>()); // 2100 − (100 + 1000 + 500 + 200)
        Assert.Equal(0.00621m, root2["subtree_cost_usd"]!.GetValue<decimal>());
        var children = treeSpans.Skip(1).ToList();
        Assert.Equal(["plan", "chat gpt-4o", "chat gpt-4o-mini", "execute_tool search"], children.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(children, c => Assert.Equal((1, root2["span_id"]!.GetValue<string>()), (c!["depth"]!.GetValue<int>(), c["parent_span_id"]!.GetValue<string>())));
        Assert.Equal(0.006m, children[1]!["model_request"]!["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(0.00021m, children[2]!["model_request"]!["cost_usd"]!.GetValue<decimal>());
        Assert.Null(children[0]!["model_request"]);
        Assert.Null(children[3]!["model_request"]);
        Assert.Equal("client", children[1]!["kind"]!.GetValue<string>());

        // Paged: two spans a page, the cursor leads through all five in the same order.
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"), null, HttpStatusCode.OK);
            paged.AddRange(page["spans"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(treeSpans.Select(p => p!["name"]!.GetValue<string>()), paged);

        // The conversation became a session of this user, with the two requests and their cost.
        var sessionId = tree["session_id"]!.GetValue<Guid>();
        var session = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.OK);
        Assert.Equal(userId, session["user_id"]!.GetValue<Guid>());
        Assert.Equal(2, session["request_count"]!.GetValue<long>());
        Assert.Equal(0.00621m, session["total_cost_usd"]!.GetValue<decimal>());
        Assert.Equal(conversation, session["metadata"]!["external_id"]!.GetValue<string>());

        // Stored once each, despite the re-export; each request linked to its span, priced from the table.
        await using (var db = NpgsqlDataSource.Create(_env.Database))
        {
            await using var spans = db.CreateCommand("SELECT count(*), count(model_request_id) FROM spans WHERE trace_id = $1");
            spans.Parameters.AddWithValue(traceId);
            await using (var reader = await spans.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                Assert.Equal(5, reader.GetInt64(0));
                Assert.Equal(2, reader.GetInt64(1));
            }
            await using var requests = db.CreateCommand("SELECT model_id, span_id, cost_source, temperature, max_tokens FROM model_requests WHERE session_id = $1 ORDER BY requested_at");
            requests.Parameters.AddWithValue(sessionId);
            await using var rows = await requests.ExecuteReaderAsync();
            var stored = new List<(string Model, string Span, string Source, decimal? Temperature, int? MaxTokens)>();
            while (await rows.ReadAsync())
                stored.Add((rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetDecimal(3), rows.IsDBNull(4) ? null : rows.GetInt32(4)));
            Assert.Equal(["gpt-4o", "gpt-4o-mini"], stored.Select(s => s.Model));
            Assert.Equal(finished.Where(a => a.DisplayName.StartsWith("chat", StringComparison.Ordinal)).OrderBy(a => a.StartTimeUtc).Select(a => a.SpanId.ToHexString()), stored.Select(s => s.Span));
            Assert.All(stored, s => Assert.Equal("price_table", s.Source));
            Assert.Equal(0.3m, stored[0].Temperature);
            Assert.Equal(512, stored[1].MaxTokens);
        }

        // The session lists the trace.
        var traces = (await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}/traces", null, HttpStatusCode.OK)).AsArray();
        var listed = Assert.Single(traces)!;
        Assert.Equal(traceId, listed["trace_id"]!.GetValue<string>());
        Assert.Equal("invoke_agent planner", listed["root_name"]!.GetValue<string>());
        Assert.Equal(0.00621m, listed["cost_usd"]!.GetValue<decimal>());

        // Another user, in none of the owner's workspaces, finds no such trace, even naming its owner (404: not revealed).
        var (_, stranger) = await _env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        await _env.Client(stranger).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.NotFound);
        await _env.Client(stranger).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?user_id={userId}", null, HttpStatusCode.NotFound);
        // An admin reads it without naming the owner (only one user has it).
        Assert.Equal(5, (await _env.Client(_env.AdminKey).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK))["span_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bad_bodies_get_the_documented_status_and_store_nothing_while_one_bad_span_refuses_only_itself()
    {
        var (_, key) = await _env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var (_, readOnly) = await _env.NewUserWithKeyAsync("sessions:read");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var good = Request(traceId, "aaaaaaaaaaaaaaaa", "good");

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(null, good.ToByteArray(), OtlpPayload.Protobuf)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(readOnly, good.ToByteArray(), OtlpPayload.Protobuf)).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostAsync(key, good.ToByteArray(), "text/plain")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(key, [0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01], OtlpPayload.Protobuf)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(key, "{\"resourceSpans\": ["u8.ToArray(), OtlpPayload.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(key, good.ToByteArray(), OtlpPayload.Protobuf, gzip: false, contentEncoding: "gzip")).StatusCode);
        var huge = Request(traceId, "bbbbbbbbbbbbbbbb", new string('x', 70_000));
        using (var tooLarge = await PostAsync(key, huge.ToByteArray(), OtlpPayload.Protobuf))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Contains("LatticeLock__Otlp__MaxBodyBytes", await tooLarge.Content.ReadAsStringAsync());
        }
        Assert.Equal(0, await SpanCountAsync(traceId));

        // One span with a bad span id in a batch of three (gzip, protobuf): the other two are stored.
        var mixed = Request(traceId, "cccccccccccccccc", "first");
        mixed.ResourceSpans[0].ScopeSpans[0].Spans.Add(Span(traceId, "dddddddddddddddd", "second"));
        var bad = Span(traceId, "eeeeeeeeeeeeeeee", "bad id");
        bad.SpanId = ByteString.CopyFrom(new byte[8]);
        mixed.ResourceSpans[0].ScopeSpans[0].Spans.Add(bad);
        using (var response = await PostAsync(key, mixed.ToByteArray(), OtlpPayload.Protobuf, gzip: true))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
            var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
            Assert.Contains("span_id", answer.PartialSuccess.ErrorMessage);
        }
        Assert.Equal(2, await SpanCountAsync(traceId));

        // OTLP/JSON (hex ids) answers in JSON; the same trace id sent with another user's key is that user's own trace.
        var (_, other) = await _env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var json = $$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{traceId}}","spanId":"ffffffffffffffff","name":"intruder","startTimeUnixNano":"{{Nanos(DateTime.UtcNow)}}","endTimeUnixNano":"{{Nanos(DateTime.UtcNow)}}"}]}]}]}""";
        using (var response = await PostAsync(other, System.Text.Encoding.UTF8.GetBytes(json), OtlpPayload.Json))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Null(answer["partialSuccess"]);
        }
        Assert.Equal(3, await SpanCountAsync(traceId));
        var mine = await _env.Client(key).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal(["first", "second"], mine["spans"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).Order());
        var theirs = await _env.Client(other).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal("intruder", Assert.Single(theirs["spans"]!.AsArray())!["name"]!.GetValue<string>());
        // Two owners have the trace id now: an admin names which one.
        await _env.Client(_env.AdminKey).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.BadRequest);
    }

    private async Task<HttpResponseMessage> PostAsync(string? key, byte[] body, string contentType, bool gzip = false, string? contentEncoding = null)
    {
        if (gzip)
        {
            using var compressed = new MemoryStream();
            await using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) await zip.WriteAsync(body);
            body = compressed.ToArray();
            contentEncoding = "gzip";
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/otlp/v1/traces") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (contentEncoding is not null) request.Content.Headers.ContentEncoding.Add(contentEncoding);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _env.Http.SendAsync(request);
    }

    private async Task<long> SpanCountAsync(string traceId)
    {
        await using var db = NpgsqlDataSource.Create(_env.Database);
        await using var count = db.CreateCommand("SELECT count(*) FROM spans WHERE trace_id = $1");
        count.Parameters.AddWithValue(traceId);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static ExportTraceServiceRequest Request(string traceId, string spanId, string name)
    {
        var request = new ExportTraceServiceRequest();
        var scope = new ScopeSpans();
        scope.Spans.Add(Span(traceId, spanId, name));
        var resource = new ResourceSpans();
        resource.ScopeSpans.Add(scope);
        request.ResourceSpans.Add(resource);
        return request;
    }

    private static Span Span(string traceId, string spanId, string name) => new()
    {
        TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
        SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
        Name = name,
        Kind = LatticeLock.Silo.Otlp.Proto.Span.Types.SpanKind.Internal,
        StartTimeUnixNano = Nanos(DateTime.UtcNow.AddSeconds(-1)),
        EndTimeUnixNano = Nanos(DateTime.UtcNow),
    };

    private static ulong Nanos(DateTime time) => (ulong)(time - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Keeps every ended activity, so the same spans can be exported again.</summary>
    [Fact]
    public async Task One_llm_call_exported_in_two_conventions_is_priced_identically_by_token_class()
    {
        await _env.Client(_env.AdminKey).SendAsync(HttpMethod.Put, "/v1/model-prices",
            """{"provider":"openai","model":"gpt-otlp-classes","input_usd_per_mtok":2.5,"cached_input_usd_per_mtok":1.25,"output_usd_per_mtok":10,"effective_from":"2020-01-01T00:00:00Z"}""",
            HttpStatusCode.Created);
        var (_, key) = await _env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        using var source = new ActivitySource("token-class-test");
        var finished = new List<Activity>();
        var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri(_env.Http.BaseAddress!, "/otlp/v1/traces"),
            Protocol = OtlpExportProtocol.HttpProtobuf,
            Headers = $"Authorization=Bearer {key}",
        });
        using (var provider = Sdk.CreateTracerProviderBuilder().AddSource(source.Name).AddProcessor(new Collect(finished))
                   .AddProcessor(new BatchActivityExportProcessor(exporter)).Build())
        {
            var t0 = DateTime.UtcNow.AddSeconds(-30);
            // The same call (1,000 input tokens of which 400 read from the cache, 500 output of which 200 reasoning)
            // under the OpenTelemetry GenAI conventions and under OpenInference's.
            using (var genAi = source.StartActivity("chat gpt-otlp-classes", ActivityKind.Client, default(ActivityContext), startTime: t0)!)
            {
                genAi.SetTag("gen_ai.operation.name", "chat").SetTag("gen_ai.provider.name", "openai").SetTag("gen_ai.request.model", "gpt-otlp-classes")
                    .SetTag("gen_ai.usage.input_tokens", 1000).SetTag("gen_ai.usage.cache_read.input_tokens", 400)
                    .SetTag("gen_ai.usage.output_tokens", 500).SetTag("gen_ai.usage.reasoning.output_tokens", 200);
                genAi.SetEndTime(t0.AddMilliseconds(900));
            }
            using (var openInference = source.StartActivity("ChatCompletion", ActivityKind.Internal, default(ActivityContext), startTime: t0)!)
            {
                openInference.SetTag("openinference.span.kind", "LLM").SetTag("llm.provider", "openai").SetTag("llm.model_name", "gpt-otlp-classes")
                    .SetTag("llm.token_count.prompt", 1000).SetTag("llm.token_count.prompt_details.cache_read", 400)
                    .SetTag("llm.token_count.completion", 500).SetTag("llm.token_count.completion_details.reasoning", 200);
                openInference.SetEndTime(t0.AddMilliseconds(900));
            }
            // A source counting the cache beside its input (as Anthropic's usage does): parts larger than the total.
            using (var beside = source.StartActivity("chat beside", ActivityKind.Client, default(ActivityContext), startTime: t0)!)
            {
                beside.SetTag("gen_ai.operation.name", "chat").SetTag("gen_ai.provider.name", "openai").SetTag("gen_ai.request.model", "gpt-otlp-classes")
                    .SetTag("gen_ai.usage.input_tokens", 300).SetTag("gen_ai.usage.cache_read.input_tokens", 400)
                    .SetTag("gen_ai.usage.cache_creation.input_tokens", 300).SetTag("gen_ai.usage.output_tokens", 500);
                beside.SetEndTime(t0.AddMilliseconds(900));
            }
            Assert.True(provider.ForceFlush(30_000), "the SDK could not export the spans");
        }
        await using var db = new Db(_env.Database);
        var rows = await db.RowsAsync("""
            SELECT span_id, input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens, reasoning_output_tokens, total_cost_usd, id
            FROM model_requests WHERE span_id = ANY($1)
            """, (object)finished.Select(a => a.SpanId.ToHexString()).ToArray());
        Assert.Equal(3, rows.Count);
        object?[] Of(string name) => rows.Single(r => (string)r[0]! == finished.Single(a => a.DisplayName == name).SpanId.ToHexString());
        var fromGenAi = Of("chat gpt-otlp-classes");
        var fromOpenInference = Of("ChatCompletion");
        Assert.Equal(new object?[] { 1000, 400, null, 500, 200, 0.007m }, fromGenAi[1..7]);
        Assert.Equal(fromGenAi[1..7], fromOpenInference[1..7]);
        var api = _env.Client(key);
        Assert.Equal((await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{fromGenAi[7]}", null, HttpStatusCode.OK))["cost_breakdown"]!.ToJsonString(),
            (await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{fromOpenInference[7]}", null, HttpStatusCode.OK))["cost_breakdown"]!.ToJsonString());
        // Beside: 300 + 400 + 300 = 1,000 input tokens; 300 and the 300 written at 2.50, 400 cached at 1.25, 500 output at 10.
        Assert.Equal(new object?[] { 1000, 400, 300, 500, null, 0.007m }, Of("chat beside")[1..7]);
    }

    private sealed class Collect(List<Activity> into) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            lock (into) into.Add(data);
        }
    }
}
