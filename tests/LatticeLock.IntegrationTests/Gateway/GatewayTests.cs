using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>The HTTP gateway end to end: the real silo executable on real PostgreSQL, driven with HTTP and the CLI.</summary>
[Collection(ServersCollection.Name)]
public sealed class GatewayTests(ServersFixture servers)
{
    [Fact]
    public async Task An_orchestrator_records_a_session_with_chats_turns_and_model_requests_over_http()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write", "projects:read", "projects:write");
        var api = env.Client(key);

        var project = await api.SendAsync(HttpMethod.Post, "/v1/projects", """{"name":"orchestrator","path":"/src/o"}""", HttpStatusCode.Created);
        var projectId = project["id"]!.GetValue<Guid>();
        var session = await api.SendAsync(HttpMethod.Post, "/v1/sessions", $$$"""{"project_id":"{{{projectId}}}","metadata":{"agent":"planner"}}""", HttpStatusCode.Created);
        var sessionId = session["id"]!.GetValue<Guid>();
        Assert.Equal(userId, session["user_id"]!.GetValue<Guid>());
        var chat = await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{sessionId}/chats", """{"title":"plan"}""", HttpStatusCode.Created);
        var chatId = chat["id"]!.GetValue<Guid>();
        Assert.Equal(sessionId, chat["session_id"]!.GetValue<Guid>());
        for (var i = 1; i <= 3; i++)
        {
            var turn = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chatId}/turns", $$"""{"role":"{{(i % 2 == 1 ? "user" : "assistant")}}","content":"turn {{i}}","model":"gpt-4o","provider":"openai","input_tokens":{{i}}}""", HttpStatusCode.Created);
            Assert.Equal(i, turn["seq"]!.GetValue<long>());
        }
        var turns = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chatId}/turns?last=2", null, HttpStatusCode.OK);
        Assert.Equal([2L, 3L], turns["turns"]!.AsArray().Select(t => t!["seq"]!.GetValue<long>()));
        var after = await api.SendAsync(HttpMethod.Get, $"/v1/chats/{chatId}/turns?after=1", null, HttpStatusCode.OK);
        Assert.Equal(["turn 2", "turn 3"], after["turns"]!.AsArray().Select(t => t!["content"]!.GetValue<string>()));

        var requestId = Guid.NewGuid();
        var request = $$$"""{"id":"{{{requestId}}}","session_id":"{{{sessionId}}}","chat_id":"{{{chatId}}}","model_id":"gpt-4o","provider":"openai","task_type":"code","requested_at":"2026-11-23T10:00:00+01:00","responded_at":"2026-11-23T10:00:01+01:00","latency_ms":1000,"input_tokens":1000,"output_tokens":200,"input_cost_usd":0.0025,"output_cost_usd":0.002,"status":"success","metadata":{"step":1}}""";
        var created = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", request, HttpStatusCode.Created);
        Assert.Equal(0.0045m, created["total_cost_usd"]!.GetValue<decimal>());
        var repeated = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", request, HttpStatusCode.OK);
        Assert.Equal(requestId, repeated["id"]!.GetValue<Guid>());
        Assert.Equal(1200, repeated["total_tokens"]!.GetValue<long>());

        var batch = await api.SendAsync(HttpMethod.Post, "/v1/model-requests/batch", $$"""
            {"requests":[
              {"session_id":"{{sessionId}}","model_id":"claude-sonnet-4","provider":"anthropic","requested_at":"2026-11-23T10:01:00Z","input_tokens":10,"output_tokens":5,"input_cost_usd":0.001,"output_cost_usd":0.001,"status":"success"},
              {"session_id":"{{sessionId}}","model_id":"","provider":"anthropic","requested_at":"2026-11-23T10:01:00Z","status":"success"},
              {"id":"{{requestId}}","session_id":"{{sessionId}}","model_id":"gpt-4o","provider":"openai","requested_at":"2026-11-23T10:00:00Z","status":"success"},
              {"session_id":"{{sessionId}}","model_id":"x","provider":"y","requested_at":"2026-11-23T10:01:00Z","input_tokens":-5,"status":"success"}
            ]}
            """, HttpStatusCode.OK);
        // The third item repeats a stored id with other content (another time, no chat, no tokens): a reused id, 409, not a "duplicate".
        Assert.Equal((1, 0, 3), (batch["accepted"]!.GetValue<int>(), batch["duplicates"]!.GetValue<int>(), batch["rejected"]!.GetValue<int>()));
        Assert.Equal(["created", "rejected", "rejected", "rejected"], batch["results"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()));
        Assert.Equal("model_id", batch["results"]![1]!["field"]!.GetValue<string>());
        Assert.Equal((409, "id"), (batch["results"]![2]!["http_status"]!.GetValue<int>(), batch["results"]![2]!["field"]!.GetValue<string>()));
        Assert.Equal("input_tokens", batch["results"]![3]!["field"]!.GetValue<string>());

        var summary = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.OK);
        Assert.Equal(2, summary["request_count"]!.GetValue<long>());
        Assert.Equal(0.0065m, summary["total_cost_usd"]!.GetValue<decimal>());
        Assert.Equal(["claude-sonnet-4", "gpt-4o"], summary["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal("planner", summary["metadata"]!["agent"]!.GetValue<string>());

        var ended = await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{sessionId}/end", null, HttpStatusCode.OK);
        Assert.Equal("ended", ended["status"]!.GetValue<string>());

        var (code, report) = await BuiltProgram.RunCliAsync(env.Database, "sessions", "show", sessionId.ToString());
        Assert.True(code == 0, report);
        Assert.Contains("0.00650000", report);
        Assert.Contains("plan", report);
        (code, report) = await BuiltProgram.RunCliAsync(env.Database, "requests", "tail", "-n", "5");
        Assert.True(code == 0, report);
        Assert.Contains("claude-sonnet-4", report);

        // Prices: admin sets them; a request without costs is priced from the table.
        await api.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o-mini","input_usd_per_mtok":0.15,"output_usd_per_mtok":0.6,"effective_from":"2026-01-01T00:00:00Z"}""", HttpStatusCode.Forbidden);
        var admin = env.Client(env.AdminKey);
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o-mini","input_usd_per_mtok":0.15,"output_usd_per_mtok":0.6,"effective_from":"2026-01-01T00:00:00Z"}""", HttpStatusCode.Created);
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", """{"provider":"openai","model":"gpt-4o-mini","input_usd_per_mtok":-1,"output_usd_per_mtok":0.6,"effective_from":"2026-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest);
        var listed = await api.SendAsync(HttpMethod.Get, "/v1/model-prices?provider=openai&model=gpt-4o-mini", null, HttpStatusCode.OK);
        Assert.Equal(0.6m, listed["prices"]![0]!["output_usd_per_mtok"]!.GetValue<decimal>());
        var session2 = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var priced = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"session_id":"{{session2}}","model_id":"gpt-4o-mini","provider":"openai","requested_at":"2026-11-23T10:00:00Z","input_tokens":1000000,"output_tokens":1000000,"status":"success"}""", HttpStatusCode.Created);
        Assert.Equal(("price_table", 0.75m), (priced["cost_source"]!.GetValue<string>(), priced["total_cost_usd"]!.GetValue<decimal>()));
        var unpriced = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"session_id":"{{session2}}","model_id":"no-price","provider":"openai","requested_at":"2026-11-23T10:00:00Z","input_tokens":10,"status":"success"}""", HttpStatusCode.Created);
        Assert.Equal("unpriced", unpriced["cost_source"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Null, JsonSerializer.SerializeToElement(unpriced["total_cost_usd"]).ValueKind);

        var csv = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(csv, "provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,effective_from\nanthropic,claude-sonnet-4,3,15,0.3,2026-01-01T00:00:00Z\n");
        (code, report) = await BuiltProgram.RunCliAsync(env.Database, "prices", "import", csv);
        Assert.True(code == 0, report);
        (code, report) = await BuiltProgram.RunCliAsync(env.Database, "prices", "list", "--provider", "anthropic");
        Assert.True(code == 0, report);
        Assert.Contains("claude-sonnet-4", report);
        await File.WriteAllTextAsync(csv, "wrong,header\n");
        (code, report) = await BuiltProgram.RunCliAsync(env.Database, "prices", "import", csv);
        Assert.NotEqual(0, code);
        Assert.Contains("header", report);
        File.Delete(csv);

        var openApi = await env.Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/v1/model-requests/batch", openApi);
    }

    [Fact]
    public async Task Keys_scopes_and_ownership_give_401_and_403_and_bad_requests_give_the_documented_codes()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, readerKey) = await env.NewUserWithKeyAsync("sessions:read");
        var (_, ownerKey) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write", "projects:read", "projects:write", "keys:write");
        var owner = env.Client(ownerKey);
        var session = await owner.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created);
        var sessionId = session["id"]!.GetValue<Guid>();

        await env.Client(null).SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.Unauthorized);
        await env.Client(null).SendAsync(HttpMethod.Post, "/v1/sessions", "hello", HttpStatusCode.Unauthorized, contentType: "text/plain"); // 401 before 415
        await env.Client("not-a-key").SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.Unauthorized);
        await env.Client("ll_aaaaaaaaaaaa_" + new string('A', 43)).SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.Unauthorized);
        var reader = env.Client(readerKey);
        await reader.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Forbidden);              // no sessions:write
        await reader.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.NotFound);    // another user's data: not there for this caller
        await reader.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"x@example.com"}""", HttpStatusCode.Forbidden); // admin only
        await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{Guid.NewGuid()}", null, HttpStatusCode.NotFound);
        await owner.SendAsync(HttpMethod.Get, "/v1/sessions/not-a-uuid", null, HttpStatusCode.BadRequest);
        await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{Guid.Empty}", null, HttpStatusCode.BadRequest);

        var admin = env.Client(env.AdminKey);
        await admin.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"Dup@Example.com"}""", HttpStatusCode.Created);
        var dup = await admin.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"dup@example.COM"}""", HttpStatusCode.Conflict);
        Assert.NotNull(dup["errors"]!["email"]);
        var bad = await admin.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"nope"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(bad["errors"]!["email"]);

        var project = await owner.SendAsync(HttpMethod.Post, "/v1/projects", """{"name":"p"}""", HttpStatusCode.Created);
        var projectId = project["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Patch, $"/v1/projects/{projectId}", """{"name":"q"}""", HttpStatusCode.PreconditionRequired);
        var v2 = await owner.SendAsync(HttpMethod.Patch, $"/v1/projects/{projectId}", """{"name":"q"}""", HttpStatusCode.OK, ifMatch: "1");
        Assert.Equal(2, v2["version"]!.GetValue<int>());
        await owner.SendAsync(HttpMethod.Patch, $"/v1/projects/{projectId}", """{"name":"stale"}""", HttpStatusCode.Conflict, ifMatch: "1");
        var stored = await owner.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}", null, HttpStatusCode.OK);
        Assert.Equal("q", stored["name"]!.GetValue<string>());
        var projectError = await owner.SendAsync(HttpMethod.Post, $"/v1/projects/{projectId}/errors",
            """{"error_type":"lint","message":"unused import","severity":"warning","file_path":"a.py","line_number":3}""", HttpStatusCode.Created);
        Assert.True(projectError["id"]!.GetValue<long>() > 0);
        await owner.SendAsync(HttpMethod.Post, $"/v1/projects/{projectId}/errors", """{"error_type":"lint","message":"m","severity":"warning","line_number":-1}""", HttpStatusCode.BadRequest);
        await reader.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}", null, HttpStatusCode.Forbidden);

        // Users: self or admin; keys: a key cannot grant scopes it lacks, and expiry must lie ahead.
        var ownerId = session["user_id"]!.GetValue<Guid>();
        Assert.Equal(ownerId, (await owner.SendAsync(HttpMethod.Get, $"/v1/users/{ownerId}", null, HttpStatusCode.OK))["id"]!.GetValue<Guid>());
        await reader.SendAsync(HttpMethod.Get, $"/v1/users/{ownerId}", null, HttpStatusCode.Forbidden);
        await reader.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", """{"name":"x","scopes":["sessions:read"]}""", HttpStatusCode.Forbidden); // no keys:write
        await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", """{"name":"x","scopes":["admin"]}""", HttpStatusCode.Forbidden);
        await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", """{"name":"x","scopes":["analytics:read"]}""", HttpStatusCode.Forbidden);
        await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", """{"name":"x","scopes":["telepathy"]}""", HttpStatusCode.BadRequest);
        await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", """{"name":"x","scopes":["sessions:read"],"expires_at":"2020-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest);
        var shortLived = await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
            $$"""{"name":"short","scopes":["sessions:read"],"expires_at":"{{DateTimeOffset.UtcNow.AddSeconds(2):O}}"}""", HttpStatusCode.Created);
        var expiring = env.Client(shortLived["key"]!.GetValue<string>());
        await expiring.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var expired = await expiring.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessionId}", null, HttpStatusCode.Unauthorized);
        Assert.Contains("expired", expired["detail"]!.GetValue<string>());

        var malformed = await owner.SendAsync(HttpMethod.Post, "/v1/sessions", "{\"metadata\": ", HttpStatusCode.BadRequest);
        Assert.NotNull(malformed["errors"]);
        var wrongType = await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"session_id":"{{sessionId}}","input_tokens":"many"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(wrongType["errors"]!["input_tokens"]);
        var noOffset = await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"session_id":"{{sessionId}}","model_id":"m","provider":"p","requested_at":"2026-11-23T10:00:00","status":"success"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(noOffset["errors"]!["requested_at"]);
        var unknownStatus = await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"session_id":"{{sessionId}}","model_id":"m","provider":"p","requested_at":"2026-11-23T10:00:00Z","status":"maybe"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(unknownStatus["errors"]!["status"]);
        await owner.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.UnsupportedMediaType, contentType: "text/plain");
        var huge = "{\"metadata\":{\"x\":\"" + new string('a', 1024 * 1024 + 10) + "\"}}";
        await owner.SendAsync(HttpMethod.Post, "/v1/sessions", huge, HttpStatusCode.RequestEntityTooLarge);
        await owner.SendAsync(HttpMethod.Get, $"/v1/chats/{Guid.NewGuid()}/turns?last=0", null, HttpStatusCode.BadRequest);

        // A model-request id is global: reusing another user's id is a conflict, never a peek at their row.
        var (_, otherKey) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var other = env.Client(otherKey);
        var otherSession = (await other.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var sharedId = Guid.NewGuid();
        await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"id":"{{sharedId}}","session_id":"{{sessionId}}","model_id":"m","provider":"p","requested_at":"2026-11-23T10:00:00Z","status":"error","error_message":"secret detail"}""", HttpStatusCode.Created);
        var clash = await other.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""{"id":"{{sharedId}}","session_id":"{{otherSession}}","model_id":"m","provider":"p","requested_at":"2026-11-23T10:00:00Z","status":"success"}""", HttpStatusCode.Conflict);
        Assert.DoesNotContain("secret detail", clash.ToJsonString());
        var chat = await owner.SendAsync(HttpMethod.Post, $"/v1/sessions/{sessionId}/chats", "{}", HttpStatusCode.Created);
        var noRole = await owner.SendAsync(HttpMethod.Post, $"/v1/chats/{chat["id"]!.GetValue<Guid>()}/turns", """{"content":"hi"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(noRole["errors"]!["role"]);

        await using var db = new Db(env.Database);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
        // Refused authentications are counted per minute off the request path (auth_failures), not one row each.
        Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT (SELECT coalesce(sum(attempts), 0) FROM auth_failures) >= 3"));
    }

    [Fact]
    public async Task A_revoked_key_is_refused_by_a_second_silo_within_a_second_whether_revoked_over_http_or_by_the_cli()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var second = env.StartSecondSilo();
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress };
        await second.WaitForAsync(secondHttp, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));

        foreach (var viaCli in new[] { false, true })
        {
            var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
            var onSecond = new ApiClient(secondHttp, key);
            var session = await onSecond.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created);
            var path = $"/v1/sessions/{session["id"]!.GetValue<Guid>()}";
            await onSecond.SendAsync(HttpMethod.Get, path, null, HttpStatusCode.OK);

            var keys = await env.Client(env.AdminKey).SendAsync(HttpMethod.Get, $"/v1/users/{userId}/api-keys", null, HttpStatusCode.OK);
            var keyId = keys.AsArray().Single()!["id"]!.GetValue<Guid>();
            if (viaCli)
            {
                var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "keys", "revoke", keyId.ToString());
                Assert.True(code == 0, output);
            }
            else
            {
                await env.Client(env.AdminKey).SendAsync(HttpMethod.Delete, $"/v1/api-keys/{keyId}", null, HttpStatusCode.NoContent);
            }
            var revokedAt = DateTime.UtcNow;
            HttpStatusCode status;
            do
            {
                status = (await onSecond.RawAsync(HttpMethod.Get, path)).StatusCode;
            }
            while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow - revokedAt < TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
    }
}
