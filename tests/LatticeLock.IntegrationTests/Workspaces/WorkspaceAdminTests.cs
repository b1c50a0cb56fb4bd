using System.Net;
using System.Text.Json;
using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// What a workspace's admins manage besides members, projects and credentials (issue 23): price overrides that price
/// their workspace's requests (and no one else's), and the API keys bound to their workspace, against a real silo.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WorkspaceAdminTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write", "sessions:read", "sessions:write", "keys:write"];

    [Fact]
    public async Task A_price_override_prices_its_workspaces_requests_and_no_others_and_is_audited_there()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var operatorApi = env.Client(env.AdminKey);
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        await operatorApi.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-override","input_usd_per_mtok":2.00,"output_usd_per_mtok":8.00,"effective_from":"{{yesterday}}"}
            """, HttpStatusCode.Created);
        var (ownerId, ownerKey) = await env.NewUserWithKeyAsync(Scopes);
        var (adminId, adminKey) = await env.NewUserWithKeyAsync(Scopes);
        var (viewerId, viewerKey) = await env.NewUserWithKeyAsync(Scopes);
        var (outsiderId, outsiderKey) = await env.NewUserWithKeyAsync(Scopes);
        var owner = env.Client(ownerKey);
        var admin = env.Client(adminKey);
        var viewer = env.Client(viewerKey);
        var team = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Negotiated"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{team}/members", $$"""{"user_id":"{{adminId}}","role":"admin"}""", HttpStatusCode.Created);
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{team}/members", $$"""{"user_id":"{{viewerId}}","role":"viewer"}""", HttpStatusCode.Created);

        // The admin sets the team's override; a viewer may read it but not set it; the platform's list does not show it.
        var overridePrice = $$"""{"provider":"openai","model":"gpt-override","input_usd_per_mtok":1.00,"output_usd_per_mtok":4.00,"effective_from":"{{yesterday}}"}""";
        var stored = await admin.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices", overridePrice, HttpStatusCode.Created);
        Assert.Equal(team, stored["workspace_id"]!.GetValue<Guid>());
        var overrideId = stored["id"]!.GetValue<long>();
        await viewer.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices", overridePrice, HttpStatusCode.Forbidden);
        await env.Client(outsiderKey).SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/model-prices", null, HttpStatusCode.NotFound);
        var listed = (await viewer.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/model-prices?model=gpt-override", null, HttpStatusCode.OK))["prices"]!.AsArray();
        Assert.Equal([overrideId], listed.Select(p => p!["id"]!.GetValue<long>()));
        var platform = (await viewer.SendAsync(HttpMethod.Get, "/v1/model-prices?model=gpt-override", null, HttpStatusCode.OK))["prices"]!.AsArray();
        Assert.Single(platform);
        Assert.Null(platform[0]!["workspace_id"]);
        await admin.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices", """{"provider":"openai","model":"gpt-override","input_usd_per_mtok":-1,"output_usd_per_mtok":4,"effective_from":"2026-01-01T00:00:00Z"}""",
            HttpStatusCode.BadRequest);

        // The owner's requests in the team are priced from the override; in the owner's personal workspace from the platform's row.
        async Task<(Guid Id, decimal Input, decimal Output)> RecordAsync(Guid workspace)
        {
            var session = (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{workspace}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
            var id = (await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
                {"session_id":"{{session}}","model_id":"gpt-override","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow.AddSeconds(-5):O}}",
                 "input_tokens":1000,"output_tokens":500,"status":"success"}
                """, HttpStatusCode.Created))["id"]!.GetValue<Guid>();
            var row = await owner.SendAsync(HttpMethod.Get, $"/v1/model-requests/{id}", null, HttpStatusCode.OK);
            return (id, row["input_cost_usd"]!.GetValue<decimal>(), row["output_cost_usd"]!.GetValue<decimal>());
        }
        var inTeam = await RecordAsync(team);
        var personal = await RecordAsync(ownerId);
        Assert.Equal((0.001m, 0.002m), (inTeam.Input, inTeam.Output));
        Assert.Equal((0.002m, 0.004m), (personal.Input, personal.Output));
        Assert.Equal(overrideId, await db.ScalarAsync<long>("SELECT price_id FROM model_requests WHERE id = $1", inTeam.Id));

        // The override's change is in the team's audit chain, as the admin's act; the platform's price in the platform's.
        Assert.Equal(adminId, await db.ScalarAsync<Guid>("SELECT actor_user_id FROM audit_logs WHERE workspace_id = $1 AND action = 'price.set'", team));
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM audit_logs WHERE workspace_id = $1 AND action = 'price.set' AND changes->'new'->>'model' = 'gpt-override'",
            LatticeLock.Storage.Audit.AuditLog.PlatformWorkspace));

        // Row-level security: the override is the team's data; an outsider's read path sees only the platform's row.
        await using (var source = NpgsqlDataSource.Create(env.Database))
        {
            Task<long> VisibleAsync(WorkspaceReadScope scope) => WorkspaceWall.ReadAsync(source, scope, async connection =>
            {
                await using var count = new NpgsqlCommand("SELECT count(*) FROM model_prices WHERE model = 'gpt-override'", connection);
                return (long)(await count.ExecuteScalarAsync())!;
            }, CancellationToken.None);
            Assert.Equal(1L, await VisibleAsync(WorkspaceReadScope.Member(outsiderId, null)));
            Assert.Equal(2L, await VisibleAsync(WorkspaceReadScope.Member(viewerId, null)));
        }

        // A correction of the override and a reprice: the team's request follows it, the personal one keeps the platform's price.
        await admin.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices", overridePrice.Replace("1.00", "1.50", StringComparison.Ordinal), HttpStatusCode.OK);
        var run = await operatorApi.SendAsync(HttpMethod.Post, "/v1/model-prices/reprice", $$"""
            {"from":"{{yesterday}}","to":"{{DateTimeOffset.UtcNow.AddMinutes(1):O}}","provider":"openai","model":"gpt-override"}
            """, HttpStatusCode.OK);
        Assert.Equal(1L, run["rows_changed"]!.GetValue<long>());
        Assert.Equal(0.0015m, await db.ScalarAsync<decimal>("SELECT input_cost_usd FROM model_requests WHERE id = $1", inTeam.Id));
        Assert.Equal(0.002m, await db.ScalarAsync<decimal>("SELECT input_cost_usd FROM model_requests WHERE id = $1", personal.Id));

        // Removing the override: the team is priced from the platform's row again; removing it twice is 404.
        await viewer.SendAsync(HttpMethod.Delete, $"/v1/workspaces/{team}/model-prices?provider=openai&model=gpt-override", null, HttpStatusCode.Forbidden);
        await admin.SendAsync(HttpMethod.Delete, $"/v1/workspaces/{team}/model-prices?provider=openai", null, HttpStatusCode.BadRequest);
        await admin.SendAsync(HttpMethod.Delete, $"/v1/workspaces/{team}/model-prices?provider=openai&model=gpt-override", null, HttpStatusCode.NoContent);
        await admin.SendAsync(HttpMethod.Delete, $"/v1/workspaces/{team}/model-prices?provider=openai&model=gpt-override", null, HttpStatusCode.NotFound);
        Assert.Empty((await viewer.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/model-prices", null, HttpStatusCode.OK))["prices"]!.AsArray());
        var after = await RecordAsync(team);
        Assert.Equal((0.002m, 0.004m), (after.Input, after.Output));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM audit_logs WHERE workspace_id = $1 AND action = 'price.remove'", team));

        // A workspace holds at most 1,000 current overrides (every silo keeps them in memory): a new one past it is 409,
        // replacing one at its date still works.
        await db.ExecuteAsync("INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, effective_from, workspace_id) " +
            "SELECT 'openai', 'bulk-' || i, 1, 2, '2026-01-01', $1 FROM generate_series(1, 1000) AS i", team);
        var full = await admin.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices", overridePrice, HttpStatusCode.Conflict);
        Assert.Contains("effective_from", full.ToJsonString(), StringComparison.Ordinal);
        await admin.SendAsync(HttpMethod.Put, $"/v1/workspaces/{team}/model-prices",
            """{"provider":"openai","model":"bulk-7","input_usd_per_mtok":1.25,"output_usd_per_mtok":2,"effective_from":"2026-01-01T00:00:00Z"}""", HttpStatusCode.OK);

        // The operator cannot override a price for a workspace that does not exist.
        await operatorApi.SendAsync(HttpMethod.Put, $"/v1/workspaces/{Guid.NewGuid()}/model-prices", overridePrice, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Workspace_admins_create_list_and_revoke_the_keys_bound_to_their_workspace_for_members_up_to_their_own_role()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var (ownerId, ownerKey) = await env.NewUserWithKeyAsync(Scopes);
        var (adminId, adminKey) = await env.NewUserWithKeyAsync(Scopes);
        var (memberId, memberKey) = await env.NewUserWithKeyAsync(Scopes);
        var (strangerId, _) = await env.NewUserWithKeyAsync(Scopes);
        var owner = env.Client(ownerKey);
        var admin = env.Client(adminKey);
        var member = env.Client(memberKey);
        var team = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Keys"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{team}/members", $$"""{"user_id":"{{adminId}}","role":"admin"}""", HttpStatusCode.Created);
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{team}/members", $$"""{"user_id":"{{memberId}}","role":"member"}""", HttpStatusCode.Created);
        string Body(Guid? workspace) => JsonSerializer.Serialize(new { name = "ci bot", scopes = new[] { "projects:read", "sessions:read" }, workspace_id = workspace });

        // The admin makes a key for the member, bound to the team; it acts there as the member, and nowhere else.
        var created = await admin.SendAsync(HttpMethod.Post, $"/v1/users/{memberId}/api-keys", Body(team), HttpStatusCode.Created);
        Assert.Equal(team, created["workspace_id"]!.GetValue<Guid>());
        var botKeyId = created["id"]!.GetValue<Guid>();
        var bot = env.Client(created["key"]!.GetValue<string>());
        Assert.Equal("member", (await bot.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.OK))["role"]!.GetValue<string>());
        await bot.SendAsync(HttpMethod.Get, $"/v1/workspaces/{memberId}", null, HttpStatusCode.NotFound);
        // A bound key lists only its user's keys bound there.
        var seenByBot = (await bot.SendAsync(HttpMethod.Get, $"/v1/users/{memberId}/api-keys", null, HttpStatusCode.OK)).AsArray();
        Assert.Equal([botKeyId], seenByBot.Select(k => k!["id"]!.GetValue<Guid>()));

        // Refused: a key for the owner (above the admin), a key bound nowhere, a key for a non-member, and the member doing it.
        await admin.SendAsync(HttpMethod.Post, $"/v1/users/{ownerId}/api-keys", Body(team), HttpStatusCode.Forbidden);
        await admin.SendAsync(HttpMethod.Post, $"/v1/users/{memberId}/api-keys", Body(null), HttpStatusCode.Forbidden);
        var notMember = await admin.SendAsync(HttpMethod.Post, $"/v1/users/{strangerId}/api-keys", Body(team), HttpStatusCode.BadRequest);
        Assert.Contains("workspace_id", notMember.ToJsonString(), StringComparison.Ordinal);
        await member.SendAsync(HttpMethod.Post, $"/v1/users/{adminId}/api-keys", Body(team), HttpStatusCode.Forbidden);

        // Admins list every key bound to the workspace; members may not.
        var listed = (await admin.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/api-keys", null, HttpStatusCode.OK)).AsArray();
        Assert.Equal([(botKeyId, memberId)], listed.Select(k => (k!["id"]!.GetValue<Guid>(), k["user_id"]!.GetValue<Guid>())));
        await member.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/api-keys", null, HttpStatusCode.Forbidden);

        // The admin cannot revoke the member's own unbound key, but revokes the bound one; it then authenticates no more.
        var memberOwnKey = (await member.SendAsync(HttpMethod.Get, $"/v1/users/{memberId}/api-keys", null, HttpStatusCode.OK)).AsArray()
            .Single(k => k!["workspace_id"] is null)!["id"]!.GetValue<Guid>();
        await admin.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{memberOwnKey}", null, HttpStatusCode.Forbidden);
        await admin.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{botKeyId}", null, HttpStatusCode.NoContent);
        await bot.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.Unauthorized);
        await member.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.OK);

        // A key the admin made acts only while its maker still manages keys there: demoting the admin stops it (403
        // within a second on every silo), promoting them back restores it. Its quota is the workspace's, not the member's.
        var minted = await admin.SendAsync(HttpMethod.Post, $"/v1/users/{memberId}/api-keys", Body(team), HttpStatusCode.Created);
        var mintedId = minted["id"]!.GetValue<Guid>();
        var mintedListed = (await admin.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/api-keys", null, HttpStatusCode.OK)).AsArray()
            .Single(k => k!["id"]!.GetValue<Guid>() == mintedId);
        Assert.Equal(adminId, mintedListed!["minted_by"]!.GetValue<Guid>());
        var agent = env.Client(minted["key"]!.GetValue<string>());
        await agent.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.OK);
        await owner.SendAsync(HttpMethod.Patch, $"/v1/workspaces/{team}/members/{adminId}", """{"role":"member"}""", HttpStatusCode.OK);
        async Task<HttpStatusCode> AgentReadsAsync()
        {
            using var response = await agent.RawAsync(HttpMethod.Get, $"/v1/workspaces/{team}");
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Forbidden, await Eventually.Until(AgentReadsAsync, s => s == HttpStatusCode.Forbidden, TimeSpan.FromSeconds(5), what: "the demoted admin's key refused"));
        await owner.SendAsync(HttpMethod.Patch, $"/v1/workspaces/{team}/members/{adminId}", """{"role":"admin"}""", HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await Eventually.Until(AgentReadsAsync, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(5), what: "the re-promoted admin's key accepted"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM api_keys WHERE user_id = $1 AND minted_by IS NULL AND workspace_id IS NOT NULL", memberId));

        // Both are in the team's audit chain as the admin's acts.
        Assert.Equal(["key.create", "key.revoke", "key.create"], (await db.ScalarAsync<string[]>(
            "SELECT array_agg(action ORDER BY seq) FROM audit_logs WHERE workspace_id = $1 AND resource_type = 'api_key' AND actor_user_id = $2", team, adminId)));
    }
}
