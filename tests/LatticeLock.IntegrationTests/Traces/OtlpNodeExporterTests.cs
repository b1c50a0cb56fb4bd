using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The stock OpenTelemetry JS SDK (<c>@opentelemetry/sdk-trace-base</c>) with <c>@opentelemetry/exporter-trace-otlp-proto</c>,
/// configured only by <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_HEADERS</c>, exports an agent workflow
/// (plan → two LLM calls under two conventions → a tool call) to a real silo, twice. It is read back span by span and
/// cent by cent, stored once. <c>./test.sh</c> installs the npm packages into <c>tests/otlp-node/node_modules</c>.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class OtlpNodeExporterTests(ServersFixture servers)
{
    [Fact]
    public async Task A_node_agent_workflow_exported_twice_reads_back_span_by_span_and_cent_by_cent()
    {
        var folder = Path.Combine(LocalServer.RepositoryRoot(), "tests", "otlp-node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@opentelemetry", "exporter-trace-otlp-proto")),
            "tests/otlp-node/node_modules is missing: ./test.sh installs it (npm ci in tests/otlp-node)");
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var admin = env.Client(env.AdminKey);
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o","input_usd_per_mtok":2.5,"output_usd_per_mtok":10,"effective_from":"2020-01-01T00:00:00Z"}""", HttpStatusCode.Created);
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o-mini","input_usd_per_mtok":0.15,"output_usd_per_mtok":0.6,"effective_from":"2020-01-01T00:00:00Z"}""", HttpStatusCode.Created);
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var conversation = $"node-{Guid.NewGuid():N}";

        var start = new ProcessStartInfo("node", ["agent-workflow.mjs", conversation])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = new Uri(env.Http.BaseAddress!, "/otlp").ToString();
        start.Environment["OTEL_EXPORTER_OTLP_HEADERS"] = $"Authorization=Bearer%20{key}";
        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        var errors = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}: {errors}");
        var result = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        Assert.Equal(0, result["first"]!.GetValue<int>());  // ExportResultCode.SUCCESS
        Assert.Equal(0, result["second"]!.GetValue<int>()); // the retry is accepted too…
        var traceId = result["trace_id"]!.GetValue<string>();

        var tree = await env.Client(key).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal(5, tree["span_count"]!.GetValue<int>()); // …and stores nothing twice
        var spans = tree["spans"]!.AsArray();
        Assert.Equal([0, 1, 1, 1, 1], spans.Select(s => s!["depth"]!.GetValue<int>()));
        var root = spans[0]!;
        Assert.Equal("invoke_agent researcher", root["name"]!.GetValue<string>());
        Assert.Equal(2600, root["duration_ms"]!.GetValue<double>());
        Assert.Equal(300, root["self_time_ms"]!.GetValue<double>()); // 2600 − (200 + 1000 + 800 + 300)
        Assert.Equal(4, root["child_count"]!.GetValue<int>());
        var steps = spans.Skip(1).ToList();
        Assert.All(steps, s => Assert.Equal(root["span_id"]!.GetValue<string>(), s!["parent_span_id"]!.GetValue<string>()));
        Assert.Equal(["plan", "chat gpt-4o", "ChatCompletion", "execute_tool web_search"], steps.Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal([200.0, 1000.0, 800.0, 300.0], steps.Select(s => s!["duration_ms"]!.GetValue<double>()));

        // GenAI conventions: 1500 × 2.50 + 400 × 10.00 per million = 0.00375 + 0.004
        var first = steps[1]!["model_request"]!;
        Assert.Equal("gpt-4o", first["model_id"]!.GetValue<string>());
        Assert.Equal(1500, first["input_tokens"]!.GetValue<int>());
        Assert.Equal(400, first["output_tokens"]!.GetValue<int>());
        Assert.Equal(0.00775m, first["cost_usd"]!.GetValue<decimal>());
        // OpenInference: 900 × 0.15 + 250 × 0.60 per million = 0.000135 + 0.00015
        var second = steps[2]!["model_request"]!;
        Assert.Equal("gpt-4o-mini", second["model_id"]!.GetValue<string>());
        Assert.Equal("openai", second["provider"]!.GetValue<string>());
        Assert.Equal(0.000285m, second["cost_usd"]!.GetValue<decimal>());
        Assert.Null(steps[0]!["model_request"]);
        Assert.Null(steps[3]!["model_request"]);
        Assert.Equal(0.008035m, tree["cost_usd"]!.GetValue<decimal>());
        Assert.Equal(2400, tree["input_tokens"]!.GetValue<long>());
        Assert.Equal(650, tree["output_tokens"]!.GetValue<long>());

        // session.id named the conversation: one session of this user holds both requests, once each.
        var session = await env.Client(key).SendAsync(HttpMethod.Get, $"/v1/sessions/{tree["session_id"]!.GetValue<Guid>()}", null, HttpStatusCode.OK);
        Assert.Equal(userId, session["user_id"]!.GetValue<Guid>());
        Assert.Equal(2, session["request_count"]!.GetValue<long>());
        Assert.Equal(0.008035m, session["total_cost_usd"]!.GetValue<decimal>());
        Assert.Equal(conversation, session["metadata"]!["external_id"]!.GetValue<string>());

        // The CLI prints the same tree and the session's list of traces.
        var (code, shown) = await BuiltProgram.RunCliAsync(env.Database, "traces", "show", traceId);
        Assert.True(code == 0, shown);
        Console.WriteLine($"$ lattice traces show {traceId}\n{shown}");
        foreach (var expected in new[] { "invoke_agent researcher", "chat gpt-4o", "openai/gpt-4o", "1500/400 tokens $0.00775", "openai/gpt-4o-mini", "$0.000285", "execute_tool web_search", "subtree $0.008035" })
            Assert.Contains(expected, shown);
        var (listCode, listed) = await BuiltProgram.RunCliAsync(env.Database, "traces", "list", "--session", tree["session_id"]!.GetValue<string>());
        Assert.True(listCode == 0, listed);
        Assert.Contains(traceId, listed);
        Assert.Contains("0.008035", listed);
        var (badCode, bad) = await BuiltProgram.RunCliAsync(env.Database, "traces", "show", "not-a-trace");
        Assert.NotEqual(0, badCode);
        Assert.Contains("not a W3C trace id", bad);
    }
}
