using System.Net;
using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Row-level security is a second wall under the gateway's checks (issue 23, migration 32): a query sent through the
/// read path (<see cref="WorkspaceWall"/>) with no filter of its own still returns only rows of the caller's
/// workspaces, from every table that holds workspace data; a reader cannot reach a partition around its parent's
/// policy, nor write anything.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class RowLevelSecurityTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write", "sessions:read", "sessions:write", "analytics:read"];

    /// <summary>What one workspace holds after <see cref="FillAsync"/>: a session with a chat, a turn, a request and a trace.</summary>
    private sealed record Holdings(Guid Workspace, Guid Session, Guid Chat, Guid Request, string Trace);

    [Fact]
    public async Task An_unfiltered_query_through_the_read_path_returns_only_the_callers_workspaces()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (aliceId, aliceKey) = await env.NewUserWithKeyAsync(Scopes);
        var (bobId, bobKey) = await env.NewUserWithKeyAsync(Scopes);
        var alice = env.Client(aliceKey);
        var bob = env.Client(bobKey);
        var team = (await alice.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Team"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var alicePersonal = await FillAsync(alice, aliceId);
        var teamHoldings = await FillAsync(alice, team);
        var bobPersonal = await FillAsync(bob, bobId);
        await using var db = new Db(env.Database);
        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT count(DISTINCT workspace_id) = 3 FROM cost_aggregations WHERE workspace_id IN ('{aliceId}', '{team}', '{bobId}')"));

        await using var source = NpgsqlDataSource.Create(env.Database);
        Holdings[] all = [alicePersonal, teamHoldings, bobPersonal];
        var cases = new (WorkspaceReadScope Scope, Holdings[] Sees)[]
        {
            (WorkspaceReadScope.Member(bobId, null), [bobPersonal]),
            (WorkspaceReadScope.Member(aliceId, null), [alicePersonal, teamHoldings]),
            (WorkspaceReadScope.Member(aliceId, team), [teamHoldings]),          // a key bound to the team
            (WorkspaceReadScope.Member(bobId, team), []),                        // bound to a workspace bob is not in
        };
        foreach (var (scope, sees) in cases)
        {
            var workspaces = sees.Select(h => h.Workspace.ToString()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT DISTINCT workspace_id FROM sessions"));
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT DISTINCT workspace_id FROM model_requests"));
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT DISTINCT workspace_id FROM traces"));
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT DISTINCT workspace_id FROM cost_aggregations"));
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT DISTINCT workspace_id FROM workspace_members"));
            Assert.Equal(workspaces, await ReadAsync(source, scope, "SELECT id FROM workspaces"));
            // Rows reached through a parent: chats, turns and spans.
            Assert.Equal(sees.Select(h => h.Session.ToString()).Order(StringComparer.Ordinal), await ReadAsync(source, scope, "SELECT DISTINCT session_id FROM chats"));
            Assert.Equal(sees.Select(h => h.Chat.ToString()).Order(StringComparer.Ordinal), await ReadAsync(source, scope, "SELECT DISTINCT chat_id FROM chat_turns"));
            Assert.Equal(sees.Select(h => h.Trace).Order(StringComparer.Ordinal), await ReadAsync(source, scope, "SELECT DISTINCT trace_id FROM spans"));
        }
        // The operator's reads are not walled.
        var everything = await ReadAsync(source, WorkspaceReadScope.Operator, "SELECT DISTINCT workspace_id FROM model_requests");
        Assert.Superset(all.Select(h => h.Workspace.ToString()).ToHashSet(), everything.ToHashSet());
        // Members see each other's names only where they share a workspace.
        Assert.Equal([bobId.ToString()], await ReadAsync(source, WorkspaceReadScope.Member(bobId, null), "SELECT id FROM users"));

        // A reader cannot go around a parent's policy to one of its partitions, nor write anything.
        var partition = await db.ScalarAsync<string>("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid " +
            "WHERE i.inhparent = 'model_requests'::regclass ORDER BY 1 LIMIT 1");
        var denied = await Assert.ThrowsAsync<PostgresException>(() => ReadAsync(source, WorkspaceReadScope.Member(bobId, null), $"SELECT id FROM {partition}"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        var readOnly = await Assert.ThrowsAsync<PostgresException>(() => ReadAsync(source, WorkspaceReadScope.Member(bobId, null),
            "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('" + team + "', '" + bobId + "', 'owner') RETURNING user_id"));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, readOnly.SqlState);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM workspace_members WHERE workspace_id = $1 AND user_id = $2", team, bobId));

        // The HTTP read paths run behind the wall: bob's unfiltered analytics hold bob's requests only, and alice's
        // request is not found for him.
        var costs = (await bob.SendAsync(HttpMethod.Get, "/v1/analytics/costs?group_by=user", null, HttpStatusCode.OK))["rows"]!.AsArray();
        Assert.Equal([bobId.ToString()], costs.Select(r => r!["key"]!.GetValue<string>()));
        await bob.SendAsync(HttpMethod.Get, $"/v1/model-requests/{teamHoldings.Request}", null, HttpStatusCode.NotFound);
        // Alice's key reads the team's costs with workspace_id; bob's is told no such workspace exists.
        var teamCosts = (await alice.SendAsync(HttpMethod.Get, $"/v1/analytics/costs?group_by=user&workspace_id={team}", null, HttpStatusCode.OK))["rows"]!.AsArray();
        Assert.Equal([(aliceId.ToString(), 1L)], teamCosts.Select(r => (r!["key"]!.GetValue<string>(), r["requests"]!.GetValue<long>())));
        await bob.SendAsync(HttpMethod.Get, $"/v1/analytics/costs?workspace_id={team}", null, HttpStatusCode.NotFound);
    }

    private static async Task<Holdings> FillAsync(ApiClient client, Guid workspace)
    {
        var session = (await client.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{workspace}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var chat = (await client.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", """{"title":"c"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await client.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", """{"role":"user","content":"hi"}""", HttpStatusCode.Created);
        var request = (await client.SendAsync(HttpMethod.Post, "/v1/model-requests", ModelRequestBodies.Small(session), HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var trace = Guid.NewGuid().ToString("N");
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        await client.SendAsync(HttpMethod.Post, "/otlp/v1/traces", $$$"""
            {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[
             {"traceId":"{{{trace}}}","spanId":"{{{trace[..16]}}}","name":"agent","kind":1,"startTimeUnixNano":"{{{now - 1_000_000}}}","endTimeUnixNano":"{{{now}}}",
              "attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"{{{session}}}"}}]}]}]}]}
            """, HttpStatusCode.OK);
        return new Holdings(workspace, session, chat, request, trace);
    }

    /// <summary>The first column of every row <paramref name="sql"/> returns behind the wall, as sorted text.</summary>
    private static Task<List<string>> ReadAsync(NpgsqlDataSource source, WorkspaceReadScope scope, string sql) =>
        WorkspaceWall.ReadAsync(source, scope, async connection =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var values = new List<string>();
            while (await reader.ReadAsync()) values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
            values.Sort(StringComparer.Ordinal);
            return values;
        }, CancellationToken.None);
}
