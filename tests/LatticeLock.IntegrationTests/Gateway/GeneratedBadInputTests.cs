using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// A generated bad-input run: from a valid call to every route, a seeded generator derives thousands of broken ones
/// (a field's value swapped for the wrong type, a huge or tiny number, an extreme or impossible date, a long or
/// invalid string, deep nesting; fields dropped or invented; bodies that are not JSON, not UTF-8, truncated or nested
/// thousands deep; query values and route ids out of every range) and sends them all to the real silo. None may be
/// answered 500: bad input is a 4xx (problem+json), and with the database up nothing is a 503 either. A failure
/// names the case's seed, which regenerates it exactly.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class GeneratedBadInputTests(ServersFixture servers, ITestOutputHelper output)
{
    private const int CasesPerRoute = 250;

    [Fact]
    public async Task No_generated_body_query_or_route_value_is_answered_with_a_5xx()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var admin = env.Client(env.AdminKey);
        var user = (await admin.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"gen@example.com","name":"Gen"}""", HttpStatusCode.Created))["id"]!.ToString();
        var project = (await admin.SendAsync(HttpMethod.Post, "/v1/projects", """{"name":"gen","path":"/gen"}""", HttpStatusCode.Created))["id"]!.ToString();
        var session = (await admin.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{project}}"}""", HttpStatusCode.Created))["id"]!.ToString();
        var chat = (await admin.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", """{"title":"gen"}""", HttpStatusCode.Created))["id"]!.ToString();
        await admin.SendAsync(HttpMethod.Put, $"/v1/projects/{project}/budget", """{"monthly_usd":100}""", HttpStatusCode.OK);
        var key = (await admin.SendAsync(HttpMethod.Post, $"/v1/users/{user}/api-keys", """{"name":"gen","scopes":["sessions:read"]}""", HttpStatusCode.Created))["id"]!.ToString();
        var requestId = Guid.NewGuid().ToString();
        var request = $$$"""{"id":"{{{requestId}}}","session_id":"{{{session}}}","chat_id":"{{{chat}}}","model_id":"gpt-4o","provider":"openai","task_type":"code","requested_at":"2026-11-01T10:00:00Z","responded_at":"2026-11-01T10:00:01Z","latency_ms":900,"input_tokens":10,"output_tokens":5,"cached_input_tokens":4,"cache_write_input_tokens":2,"cache_write_1h_input_tokens":1,"reasoning_output_tokens":1,"service_tier":"batch","input_cost_usd":0.001,"output_cost_usd":0.002,"status":"success","metadata":{"step":1}}""";

        var routes = new List<RouteCase>
        {
            new("POST", "/v1/users", """{"email":"x@example.com","name":"X"}"""),
            new("POST", "/v1/users/{user}/api-keys", """{"name":"k","scopes":["sessions:read"],"expires_at":"2030-01-01T00:00:00Z"}"""),
            new("POST", "/v1/projects", """{"name":"p","path":"/p"}"""),
            new("PATCH", "/v1/projects/{project}", """{"name":"p2","path":"/q","status":"active"}"""),
            new("POST", "/v1/projects/{project}/errors", """{"error_type":"TypeError","message":"m","severity":"error","file_path":"a.py","line_number":3}"""),
            new("PUT", "/v1/projects/{project}/budget", """{"monthly_usd":100,"alert_thresholds_pct":[50,90],"webhook_url":null}"""),
            new("POST", "/v1/projects/{project}/budget/reservations", """{"estimated_cost_usd":0.5,"ttl_seconds":60}"""),
            new("POST", "/v1/sessions", $$$"""{"project_id":"{{{project}}}","metadata":{"agent":"a"}}"""),
            new("POST", "/v1/sessions/{session}/chats", """{"title":"t"}"""),
            new("POST", "/v1/chats/{chat}/turns", """{"role":"user","content":"c","model":"m","provider":"p","input_tokens":1,"output_tokens":2,"turn_id":"0b8f3f34-7c53-4f0e-9a36-0d7e0b1f6a11"}"""),
            new("POST", "/v1/model-requests", request),
            new("POST", "/v1/model-requests/batch", $$$"""{"requests":[{{{request}}}]}"""),
            new("PUT", "/v1/model-prices", """{"provider":"openai","model":"m","input_usd_per_mtok":1,"output_usd_per_mtok":2,"cached_input_usd_per_mtok":0.5,"cache_write_input_usd_per_mtok":1.25,"cache_write_1h_input_usd_per_mtok":2,"reasoning_output_usd_per_mtok":2,"long_context_threshold_tokens":200000,"long_context_input_usd_per_mtok":2,"long_context_output_usd_per_mtok":3,"batch_multiplier":0.5,"flex_multiplier":0.5,"priority_multiplier":1.75,"effective_from":"2026-01-01T00:00:00Z"}"""),
            new("GET", "/v1/model-requests/{request}", null),
            new("POST", "/otlp/v1/traces", """{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","kind":1,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000"}]}]}]}"""),
            new("GET", "/v1/analytics/costs?from=2026-11-01&to=2026-11-30&group_by=model&project_id={project}&provider=openai&model=gpt-4o&task_type=code", null),
            new("GET", "/v1/analytics/models?from=2026-11-01&to=2026-11-30&sort=success_rate&limit=10&task_type=code", null),
            new("GET", "/v1/chats/{chat}/turns?last=10&before=5", null),
            new("GET", "/v1/chats/{chat}/turns?after=0&limit=10", null),
            new("GET", "/v1/sessions/{session}", null),
            new("GET", "/v1/sessions/{session}/traces?limit=10", null),
            new("GET", "/v1/traces/5b8efff798038103d269b633813fc60c", null),
            new("GET", "/v1/projects/{project}/budget/alerts?limit=10", null),
            new("GET", "/v1/model-prices?provider=openai&model=gpt-4o", null),
            new("GET", "/v1/users/{user}/api-keys", null),
            new("GET", "/v1/projects/{project}", null),
            new("GET", "/v1/projects/{project}/budget", null),
            new("GET", "/v1/users/{user}", null),
            new("DELETE", "/v1/api-keys/{key}", null),
            new("DELETE", "/v1/projects/{project}/budget/reservations/{session}", null),
            new("POST", "/v1/sessions/{session}/end", null), // last: it ends the session the routes above write to
        };
        var ids = new Dictionary<string, string> { ["{user}"] = user, ["{project}"] = project, ["{session}"] = session, ["{chat}"] = chat, ["{key}"] = key, ["{request}"] = requestId };

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        using var http = new HttpClient { BaseAddress = env.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        foreach (var (route, r) in routes.Select((r, i) => (r, i)))
        {
            for (var n = 0; n < CasesPerRoute; n++)
            {
                var seed = r * 100_000 + n;
                var generated = BadInputGenerator.Generate(route, ids, new Random(seed));
                using var message = new HttpRequestMessage(new HttpMethod(route.Method), generated.Path);
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env.AdminKey);
                if (generated.Body is { } body)
                {
                    message.Content = new ByteArrayContent(body);
                    message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(generated.ContentType);
                }
                using var response = await http.SendAsync(message);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var text = await response.Content.ReadAsStringAsync();
                if (status >= 500)
                    failures.Add($"seed {seed}: {route.Method} {Shorten(generated.Path)} [{generated.Mutation}] -> {status}: {Shorten(text)}");
                else if (status < 400 && generated.CertainlyInvalid)
                    failures.Add($"seed {seed}: {route.Method} {Shorten(generated.Path)} [{generated.Mutation}] -> {status}: invalid input accepted: {Shorten(text)}");
                // Kestrel refuses a NUL in the request target itself, before any middleware, with an empty 400.
                else if (status == 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json" && !generated.Path.Contains("%00", StringComparison.Ordinal))
                    failures.Add($"seed {seed}: {route.Method} {Shorten(generated.Path)} [{generated.Mutation}] -> 400 without problem+json: {Shorten(text)}");
            }
        }
        output.WriteLine($"{routes.Count * CasesPerRoute} generated calls over {routes.Count} routes; answers: {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
        foreach (var failure in failures.Take(30)) output.WriteLine(failure);
        Assert.True(failures.Count == 0, $"{failures.Count} generated calls were answered badly:\n{string.Join('\n', failures.Take(30))}");
        Assert.True(statuses.Keys.Any(s => s >= 400), "the generator produced no rejected input at all");
        await admin.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK); // still serving
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + $"… ({s.Length} chars)";
}

internal sealed record RouteCase(string Method, string Path, string? Body);
