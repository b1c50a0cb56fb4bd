using System.Net;
using System.Text.Json;
using LatticeLock.Silo.Auth;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Projects and sessions live in workspaces (issue 23): teammates share them under their roles, a key bound to a
/// workspace acts only there, a role change or removal holds on every silo within a second, and the migration moves
/// every existing project and session into its owner's personal workspace (up, down and up again keep every row).
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WorkspaceDataTests(ServersFixture servers)
{
    private static readonly string[] AllScopes = ["projects:read", "projects:write", "sessions:read", "sessions:write", "analytics:read"];

    [Fact]
    public async Task A_role_change_or_removal_holds_on_every_silo_within_a_second()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var second = env.StartSecondSilo();
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress };
        await second.WaitForAsync(secondHttp, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        var (_, ownerKey) = await env.NewUserWithKeyAsync(AllScopes);
        var (memberId, memberKey) = await env.NewUserWithKeyAsync(AllScopes);
        var owner = env.Client(ownerKey);
        var onSecond = new ApiClient(secondHttp, memberKey);

        var ws = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Team"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.Created);
        // The member writes through the second silo, which now remembers the member's role.
        var session = (await onSecond.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{ws}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await onSecond.SendAsync(HttpMethod.Post, "/v1/model-requests", ModelRequestBodies.Small(session), HttpStatusCode.Created);

        // Demoted through the first silo: after the documented second, the second silo refuses the member's writes but serves its reads.
        await owner.SendAsync(HttpMethod.Patch, $"/v1/workspaces/{ws}/members/{memberId}", """{"role":"viewer"}""", HttpStatusCode.OK);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(WorkspaceAccess.RoleLifetime <= TimeSpan.FromSeconds(1));
        var refused = await onSecond.SendAsync(HttpMethod.Post, "/v1/model-requests", ModelRequestBodies.Small(session), HttpStatusCode.Forbidden);
        Assert.Contains("viewer", refused["detail"]!.ToString());
        Assert.Equal(1, (await onSecond.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK))["request_count"]!.GetValue<int>());

        // Removed: after the second, the session is not there for the former member on either silo.
        await owner.SendAsync(HttpMethod.Delete, $"/v1/workspaces/{ws}/members/{memberId}", null, HttpStatusCode.NoContent);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await onSecond.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.NotFound);
        await env.Client(memberKey).SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.NotFound);
        // The owner still reads all of it.
        Assert.Equal(1, (await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK))["request_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Sessions_go_to_the_project_the_body_the_key_or_the_personal_workspace_and_keys_are_bound_with_care()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (ownerId, ownerKey) = await env.NewUserWithKeyAsync([.. AllScopes, "keys:write"]);
        var (strangerId, _) = await env.NewUserWithKeyAsync(AllScopes);
        var owner = env.Client(ownerKey);
        var ws = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Team"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var other = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Other"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        // Without a project: the body's workspace, else the caller's personal workspace.
        Assert.Equal(ownerId, (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["workspace_id"]!.GetValue<Guid>());
        Assert.Equal(ws, (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{ws}}"}""", HttpStatusCode.Created))["workspace_id"]!.GetValue<Guid>());
        // With a project: its workspace; naming another is 400 naming workspace_id, and nothing is made.
        var project = (await owner.SendAsync(HttpMethod.Post, "/v1/projects", $$"""{"name":"p","workspace_id":"{{ws}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        Assert.Equal(ws, (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{project}}"}""", HttpStatusCode.Created))["workspace_id"]!.GetValue<Guid>());
        var mismatch = await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{project}}","workspace_id":"{{other}}"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(mismatch["errors"]!["workspace_id"]);

        // A key bound to a workspace: new things go there by default, and it reaches nothing elsewhere.
        var bound = await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
            JsonSerializer.Serialize(new { name = "team", scopes = AllScopes, workspace_id = ws }), HttpStatusCode.Created);
        var teamKey = env.Client(bound["key"]!.GetValue<string>());
        Assert.Equal(ws, (await teamKey.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["workspace_id"]!.GetValue<Guid>());
        var personalSession = (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await teamKey.SendAsync(HttpMethod.Get, $"/v1/sessions/{personalSession}", null, HttpStatusCode.NotFound);
        await teamKey.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{other}}"}""", HttpStatusCode.NotFound);
        var listed = (await teamKey.SendAsync(HttpMethod.Get, "/v1/workspaces", null, HttpStatusCode.OK))["workspaces"]!.AsArray();
        Assert.Equal([ws], listed.Select(w => w!["id"]!.GetValue<Guid>()));

        // Binding a key to a workspace its user is not in is 400 naming workspace_id; a bound key cannot mint a key bound elsewhere (403).
        var notMember = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{strangerId}/api-keys",
            JsonSerializer.Serialize(new { name = "x", scopes = AllScopes, workspace_id = ws }), HttpStatusCode.BadRequest);
        Assert.NotNull(notMember["errors"]!["workspace_id"]);
        var minting = await owner.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
            JsonSerializer.Serialize(new { name = "team2", scopes = new[] { "sessions:read", "keys:write" }, workspace_id = ws }), HttpStatusCode.Created);
        await env.Client(minting["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
            JsonSerializer.Serialize(new { name = "escape", scopes = new[] { "sessions:read" }, workspace_id = other }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Project_budget_and_key_changes_are_audited_in_their_workspace_by_whoever_made_them()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (ownerId, ownerKey) = await env.NewUserWithKeyAsync(AllScopes);
        var owner = env.Client(ownerKey);
        var ws = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Audited"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var project = (await owner.SendAsync(HttpMethod.Post, "/v1/projects", $$"""{"name":"p","workspace_id":"{{ws}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Patch, $"/v1/projects/{project}", """{"name":"renamed"}""", HttpStatusCode.OK, ifMatch: "1");
        await owner.SendAsync(HttpMethod.Put, $"/v1/projects/{project}/budget", """{"monthly_usd":25}""", HttpStatusCode.OK);
        await env.Client(env.AdminKey).SendAsync(HttpMethod.Put, $"/v1/projects/{project}/budget", """{"monthly_usd":30}""", HttpStatusCode.OK);

        var entries = (await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/audit", null, HttpStatusCode.OK))["entries"]!.AsArray();
        var mine = entries.Where(e => e!["resource_id"]!.ToString() == project.ToString()).ToList();
        Assert.Equal(["project.create", "project.update", "budget.set", "budget.set"], mine.Select(e => e!["action"]!.ToString()));
        Assert.Equal(ownerId, mine[0]!["actor_user_id"]!.GetValue<Guid>());
        Assert.Equal(("p", "renamed"), (mine[1]!["changes"]!["old"]!["name"]!.ToString(), mine[1]!["changes"]!["new"]!["name"]!.ToString()));
        Assert.Equal((25m, 30m), (mine[3]!["changes"]!["old"]!["monthly_usd"]!.GetValue<decimal>(), mine[3]!["changes"]!["new"]!["monthly_usd"]!.GetValue<decimal>()));
        Assert.NotEqual(ownerId, mine[3]!["actor_user_id"]!.GetValue<Guid>()); // the operator's change names the operator
        // A key bound to the workspace is audited there, masked (its display prefix, never the secret).
        var key = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys",
            JsonSerializer.Serialize(new { name = "team", scopes = new[] { "sessions:read" }, workspace_id = ws }), HttpStatusCode.Created);
        var created = Assert.Single((await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/audit?action=key.create", null, HttpStatusCode.OK))["entries"]!.AsArray())!;
        Assert.Equal((key["id"]!.ToString(), key["prefix"]!.ToString()), (created["resource_id"]!.ToString(), created["changes"]!["new"]!["prefix"]!.ToString()));
        Assert.DoesNotContain(key["key"]!.GetValue<string>(), created.ToJsonString());
        // Its revocation is audited there too, once: revoking a revoked key changes nothing and records nothing.
        await env.Client(env.AdminKey).SendAsync(HttpMethod.Delete, $"/v1/api-keys/{key["id"]}", null, HttpStatusCode.NoContent);
        await env.Client(env.AdminKey).SendAsync(HttpMethod.Delete, $"/v1/api-keys/{key["id"]}", null, HttpStatusCode.NoContent);
        var revoked = Assert.Single((await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{ws}/audit?action=key.revoke", null, HttpStatusCode.OK))["entries"]!.AsArray())!;
        Assert.Equal(key["id"]!.ToString(), revoked["resource_id"]!.ToString());
        Assert.NotNull(revoked["changes"]!["new"]!["revoked_at"]);
        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "audit", "verify", "--workspace", ws.ToString());
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Price_changes_and_every_operator_request_are_chained_in_the_platform_workspace()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var admin = env.Client(env.AdminKey);
        var (_, memberKey) = await env.NewUserWithKeyAsync([.. AllScopes]);
        const string Price = """{"provider":"acme","model":"audited","input_usd_per_mtok":{0},"output_usd_per_mtok":2,"effective_from":"2026-01-01T00:00:00Z"}""";
        var first = await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", Price.Replace("{0}", "1", StringComparison.Ordinal), HttpStatusCode.Created);
        var second = await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", Price.Replace("{0}", "3", StringComparison.Ordinal), HttpStatusCode.OK);
        var missing = Guid.NewGuid();
        await admin.SendAsync(HttpMethod.Get, $"/v1/sessions/{missing}", null, HttpStatusCode.NotFound);

        var platform = $"/v1/workspaces/{LatticeLock.Storage.Audit.AuditLog.PlatformWorkspace}/audit";
        // Operator requests are queued as they end and written in batches: wait for the last one's row.
        async Task<List<System.Text.Json.Nodes.JsonNode>> EntriesAsync() =>
            (await admin.SendAsync(HttpMethod.Get, $"{platform}?limit=500", null, HttpStatusCode.OK))["entries"]!.AsArray().Select(e => e!).ToList();
        var entries = await Eventually.Until(EntriesAsync,
            found => found.Any(e => e["resource_id"]!.GetValue<string>() == $"GET /v1/sessions/{missing}"), TimeSpan.FromSeconds(30), what: "the operator's last request in the chain");
        // The price change: the row it replaced before, the new row after, by the operator's key.
        var prices = entries.Where(e => e["action"]!.GetValue<string>() == "price.set").ToList();
        Assert.Equal([first["id"]!.ToString(), second["id"]!.ToString()], prices.Select(e => e["resource_id"]!.GetValue<string>()));
        Assert.Equal((1m, 3m), (prices[1]["changes"]!["old"]!["input_usd_per_mtok"]!.GetValue<decimal>(), prices[1]["changes"]!["new"]!["input_usd_per_mtok"]!.GetValue<decimal>()));
        Assert.All(prices, e => Assert.NotNull(e["actor_key_id"]));
        // Every request made with the operator's key, with the status it got, the refused one too.
        var requests = entries.Where(e => e["action"]!.GetValue<string>() == "operator.request")
            .Select(e => (e["resource_id"]!.GetValue<string>(), (int)e["status"]!.GetValue<int>())).ToList();
        Assert.Contains(("PUT /v1/model-prices", 201), requests);
        Assert.Contains(("PUT /v1/model-prices", 200), requests);
        Assert.Contains(($"GET /v1/sessions/{missing}", 404), requests);
        // The chain verifies; a member cannot read it.
        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "audit", "verify", "--workspace", LatticeLock.Storage.Audit.AuditLog.PlatformWorkspace.ToString());
        Assert.True(code == 0, output);
        await env.Client(memberKey).SendAsync(HttpMethod.Get, platform, null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_otlp_export_lands_in_the_keys_workspace_and_only_a_member_who_may_write_there_sends_one()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, ownerKey) = await env.NewUserWithKeyAsync(AllScopes);
        var (memberId, _) = await env.NewUserWithKeyAsync(AllScopes);
        var (viewerId, _) = await env.NewUserWithKeyAsync(AllScopes);
        var owner = env.Client(ownerKey);
        var ws = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Traces"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{ws}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.Created);
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{ws}/members", $$"""{"user_id":"{{viewerId}}","role":"viewer"}""", HttpStatusCode.Created);
        async Task<ApiClient> BoundAsync(Guid user) => env.Client((await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{user}/api-keys",
            JsonSerializer.Serialize(new { name = "bound", scopes = AllScopes, workspace_id = ws }), HttpStatusCode.Created))["key"]!.GetValue<string>());
        var member = await BoundAsync(memberId);
        var viewer = await BoundAsync(viewerId);

        var traceId = Guid.NewGuid().ToString("N");
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        var export = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]},"scopeSpans":[{"spans":[
             {"traceId":"{{{traceId}}}","spanId":"{{{traceId[..16]}}}","name":"chat gpt-4o","kind":3,"startTimeUnixNano":"{{{now - 500_000_000}}}","endTimeUnixNano":"{{{now}}}",
              "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},
               {"key":"gen_ai.usage.output_tokens","value":{"intValue":"5"}}]}]}]}]}
            """;
        // A viewer's key may not write spans into the workspace (403, naming the role); nothing is stored.
        var refused = await viewer.SendAsync(HttpMethod.Post, "/otlp/v1/traces", export, HttpStatusCode.Forbidden);
        Assert.Contains("viewer", refused["detail"]!.ToString());
        // A member's key may: the trace's session lives in the key's workspace.
        await member.SendAsync(HttpMethod.Post, "/otlp/v1/traces", export, HttpStatusCode.OK);
        var trace = await member.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        var session = trace["session_id"]!.GetValue<Guid>();
        Assert.Equal(ws, (await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK))["workspace_id"]!.GetValue<Guid>());
        // Any reader of the workspace reads the trace by its id; a key bound elsewhere does not find it.
        Assert.Equal(traceId, (await viewer.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK))["trace_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_migration_moves_every_project_and_session_into_its_owners_personal_workspace_and_back()
    {
        var database = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(database);
        var runner = new LatticeLock.Storage.Migrations.MigrationRunner(dataSource);
        await runner.UpAsync(28);
        await using var db = new Db(database);
        var user = Guid.NewGuid();
        var project = Guid.NewGuid();
        var (loose, inProject) = (Guid.NewGuid(), Guid.NewGuid());
        await db.ExecuteAsync("INSERT INTO users (id, email, name) VALUES ($1, $2, 'Old')", user, $"old-{user:N}@example.com");
        await db.ExecuteAsync("INSERT INTO projects (id, owner_id, name) VALUES ($1, $2, 'old')", project, user);
        await db.ExecuteAsync("INSERT INTO sessions (id, user_id) VALUES ($1, $2)", loose, user);
        await db.ExecuteAsync("INSERT INTO sessions (id, user_id, project_id) VALUES ($1, $2, $3)", inProject, user, project);
        // What reaches a workspace through a session or a project (migration 32): a request, a trace, a daily aggregate.
        await db.ExecuteAsync("INSERT INTO model_requests (id, session_id, user_id, project_id, provider, model_id, requested_at, status) " +
            "VALUES ($1, $2, $3, $4, 'openai', 'gpt-4o', now(), 'success')", Guid.NewGuid(), inProject, user, project);
        await db.ExecuteAsync("INSERT INTO traces (user_id, trace_id, session_id) VALUES ($1, $2, $3)", user, Guid.NewGuid().ToString("N"), loose);
        await db.ExecuteAsync("INSERT INTO cost_aggregations (aggregation_date, user_id, project_id, provider, model_id, request_count) " +
            "VALUES (current_date, $1, $2, 'openai', 'gpt-4o', 3)", user, project);
        await db.ExecuteAsync("INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from) " +
            "VALUES ('openai', 'gpt-4o', 2.5, 10, '2026-01-01')");
        const string Carried = "SELECT (SELECT count(*) FROM model_requests WHERE workspace_id = $1) + (SELECT count(*) FROM traces WHERE workspace_id = $1) " +
            "+ (SELECT count(*) FROM cost_aggregations WHERE workspace_id = $1)";

        await runner.UpAsync();
        Assert.Equal(user, await db.ScalarAsync<Guid>("SELECT workspace_id FROM projects WHERE id = $1", project));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE workspace_id = $1", user));
        Assert.Equal(3L, await db.ScalarAsync<long>(Carried, user));
        // A price override in the personal workspace (migration 34): down retires it, keeping the row a request may name.
        await db.ExecuteAsync("INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from, workspace_id) " +
            "VALUES ('openai', 'gpt-4o', 1.5, 6, '2026-01-01', $1)", user);
        await runner.DownAsync(28);
        Assert.Equal((2L, 1L, 2.5m), (await db.ScalarAsync<long>("SELECT count(*) FROM model_prices"),
            await db.ScalarAsync<long>("SELECT count(*) FROM model_prices WHERE superseded_at IS NULL"),
            await db.ScalarAsync<decimal>("SELECT input_usd_per_mtok FROM model_prices WHERE superseded_at IS NULL")));
        Assert.False(await db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'workspace_id')"));
        Assert.False(await db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'model_requests' AND column_name = 'workspace_id')"));
        Assert.Equal((1L, 2L), (await db.ScalarAsync<long>("SELECT count(*) FROM projects"), await db.ScalarAsync<long>("SELECT count(*) FROM sessions")));
        Assert.Equal((1L, 1L, 3L), (await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"), await db.ScalarAsync<long>("SELECT count(*) FROM traces"),
            await db.ScalarAsync<long>("SELECT sum(request_count)::bigint FROM cost_aggregations")));
        await runner.UpAsync();
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE workspace_id = $1", user));
        Assert.Equal(3L, await db.ScalarAsync<long>(Carried, user));
        Assert.Equal((2L, 1L), (await db.ScalarAsync<long>("SELECT count(*) FROM model_prices"),
            await db.ScalarAsync<long>("SELECT count(*) FROM model_prices WHERE superseded_at IS NULL AND workspace_id IS NULL")));
    }
}
