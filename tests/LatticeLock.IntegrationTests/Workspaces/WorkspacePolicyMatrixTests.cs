using System.Net;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Workspaces;
using Caller = LatticeLock.IntegrationTests.WorkspaceCaller;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Every workspace route × every kind of caller, with the status each must get, generated from one table: each route
/// names the <see cref="WorkspacePolicy"/> permission it needs and the status it answers when allowed; the expected
/// status of a caller follows from the permission alone (<see cref="WorkspacePolicyExpectation"/>, shared with the typed
/// client's matrix).
/// Writes run against a fresh workspace per caller, so one caller's change cannot decide another's answer.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WorkspacePolicyMatrixTests(ServersFixture servers)
{
    private static readonly string[] AllScopes = ["projects:read", "projects:write", "sessions:read", "sessions:write", "analytics:read", "credentials:read", "keys:write"];

    /// <summary>An override every world holds (the DELETE route removes it), and another the PUT route adds.</summary>
    private static string OverrideBody(string model) =>
        $$"""{"provider":"openai","model":"{{model}}","input_usd_per_mtok":1.5,"output_usd_per_mtok":6,"effective_from":"2026-01-01T00:00:00Z"}""";

    /// <summary>One call in a prepared workspace.</summary>
    private sealed record Call(HttpMethod Method, string Path, string? Body = null, string? IfMatch = null);

    /// <summary>A route, what it needs, what it answers when allowed, and how to call it in <see cref="World"/>.</summary>
    private sealed record RouteCase(string Route, WorkspacePermission Permission, HttpStatusCode Allowed, Func<World, Call> Request)
    {
        public bool Reads => Request(World.Placeholder).Method == HttpMethod.Get;
    }

    /// <summary>
    /// A workspace with its owner, an admin, a member, a viewer and a target member (with a key bound to the workspace),
    /// a price override, a project with a budget and a reservation, a session, a chat and a request.
    /// </summary>
    private sealed record World(Guid Workspace, Guid Project, Guid Reservation, Guid Session, Guid Chat, Guid Request, Guid Target, Guid Newcomer,
        string Trace, Guid TargetKey)
    {
        public static readonly World Placeholder = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "", Guid.Empty);
        public string Ws => $"/v1/workspaces/{Workspace}";
    }


    private static readonly RouteCase[] Routes =
    [
        new("GET /v1/workspaces/{id}", WorkspacePolicy.ReadWorkspace, HttpStatusCode.OK, w => new(HttpMethod.Get, w.Ws)),
        new("PATCH /v1/workspaces/{id}", WorkspacePolicy.ManageMembers, HttpStatusCode.OK, w => new(HttpMethod.Patch, w.Ws, """{"name":"Renamed"}""", "1")),
        new("DELETE /v1/workspaces/{id}", WorkspacePolicy.DeleteWorkspace, HttpStatusCode.NoContent, w => new(HttpMethod.Delete, w.Ws)),
        new("GET /v1/workspaces/{id}/members", WorkspacePolicy.ReadWorkspace, HttpStatusCode.OK, w => new(HttpMethod.Get, $"{w.Ws}/members")),
        new("POST /v1/workspaces/{id}/members", WorkspacePolicy.ManageMembers, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"{w.Ws}/members", $$"""{"user_id":"{{w.Newcomer}}","role":"viewer"}""")),
        new("PATCH /v1/workspaces/{id}/members/{user_id}", WorkspacePolicy.ManageMembers, HttpStatusCode.OK,
            w => new(HttpMethod.Patch, $"{w.Ws}/members/{w.Target}", """{"role":"viewer"}""")),
        new("DELETE /v1/workspaces/{id}/members/{user_id}", WorkspacePolicy.ManageMembers, HttpStatusCode.NoContent, w => new(HttpMethod.Delete, $"{w.Ws}/members/{w.Target}")),
        new("GET /v1/workspaces/{id}/audit", WorkspacePolicy.ReadAudit, HttpStatusCode.OK, w => new(HttpMethod.Get, $"{w.Ws}/audit")),
        new("PUT /v1/workspaces/{id}/model-prices", WorkspacePolicy.ManagePrices, HttpStatusCode.Created,
            w => new(HttpMethod.Put, $"{w.Ws}/model-prices", OverrideBody("gpt-matrix-new"))),
        new("GET /v1/workspaces/{id}/model-prices", WorkspacePolicy.ReadWorkspace, HttpStatusCode.OK, w => new(HttpMethod.Get, $"{w.Ws}/model-prices")),
        new("DELETE /v1/workspaces/{id}/model-prices", WorkspacePolicy.ManagePrices, HttpStatusCode.NoContent,
            w => new(HttpMethod.Delete, $"{w.Ws}/model-prices?provider=openai&model=gpt-matrix")),
        new("GET /v1/workspaces/{id}/api-keys", WorkspacePolicy.ManageKeys, HttpStatusCode.OK, w => new(HttpMethod.Get, $"{w.Ws}/api-keys")),
        new("POST /v1/users/{user_id}/api-keys (workspace_id)", WorkspacePolicy.ManageKeys, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"/v1/users/{w.Target}/api-keys", $$"""{"name":"bot","scopes":["sessions:read"],"workspace_id":"{{w.Workspace}}"}""")),
        new("DELETE /v1/api-keys/{id} (bound to the workspace)", WorkspacePolicy.ManageKeys, HttpStatusCode.NoContent, w => new(HttpMethod.Delete, $"/v1/api-keys/{w.TargetKey}")),
        new("PUT /v1/workspaces/{id}/credentials/{name}", WorkspacePolicy.ManageCredentials, HttpStatusCode.Created,
            w => new(HttpMethod.Put, $"{w.Ws}/credentials/second", """{"provider":"anthropic","secret":"sk-ant-matrix-0002"}""")),
        new("GET /v1/workspaces/{id}/credentials", WorkspacePolicy.ManageCredentials, HttpStatusCode.OK, w => new(HttpMethod.Get, $"{w.Ws}/credentials")),
        new("POST /v1/workspaces/{id}/credentials/{name}/reveal", WorkspacePolicy.RevealCredentials, HttpStatusCode.OK,
            w => new(HttpMethod.Post, $"{w.Ws}/credentials/main/reveal")),
        new("DELETE /v1/workspaces/{id}/credentials/{name}", WorkspacePolicy.ManageCredentials, HttpStatusCode.NoContent, w => new(HttpMethod.Delete, $"{w.Ws}/credentials/main")),
        new("POST /v1/projects", WorkspacePolicy.ManageProjects, HttpStatusCode.Created,
            w => new(HttpMethod.Post, "/v1/projects", $$"""{"name":"p","workspace_id":"{{w.Workspace}}"}""")),
        new("GET /v1/projects/{id}", WorkspacePolicy.ReadProjects, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/projects/{w.Project}")),
        new("PATCH /v1/projects/{id}", WorkspacePolicy.ManageProjects, HttpStatusCode.OK, w => new(HttpMethod.Patch, $"/v1/projects/{w.Project}", """{"name":"q"}""", "1")),
        new("POST /v1/projects/{id}/errors", WorkspacePolicy.ReportProjectErrors, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"/v1/projects/{w.Project}/errors", """{"error_type":"build","message":"m","severity":"error"}""")),
        new("PUT /v1/projects/{id}/budget", WorkspacePolicy.ManageProjects, HttpStatusCode.OK,
            w => new(HttpMethod.Put, $"/v1/projects/{w.Project}/budget", """{"monthly_usd":50}""")),
        new("GET /v1/projects/{id}/budget", WorkspacePolicy.ReadProjects, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/projects/{w.Project}/budget")),
        new("POST /v1/projects/{id}/budget/reservations", WorkspacePolicy.ReserveBudget, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"/v1/projects/{w.Project}/budget/reservations", """{"estimated_cost_usd":0.5}""")),
        new("DELETE /v1/projects/{id}/budget/reservations/{rid}", WorkspacePolicy.ReserveBudget, HttpStatusCode.NoContent,
            w => new(HttpMethod.Delete, $"/v1/projects/{w.Project}/budget/reservations/{w.Reservation}")),
        new("GET /v1/projects/{id}/budget/alerts", WorkspacePolicy.ReadProjects, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/projects/{w.Project}/budget/alerts")),
        new("POST /v1/sessions (project_id)", WorkspacePolicy.WriteSessions, HttpStatusCode.Created,
            w => new(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{w.Project}}"}""")),
        new("POST /v1/sessions (workspace_id)", WorkspacePolicy.WriteSessions, HttpStatusCode.Created,
            w => new(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{w.Workspace}}"}""")),
        new("GET /v1/sessions/{id}", WorkspacePolicy.ReadSessions, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/sessions/{w.Session}")),
        new("POST /v1/sessions/{id}/end", WorkspacePolicy.WriteSessions, HttpStatusCode.OK, w => new(HttpMethod.Post, $"/v1/sessions/{w.Session}/end")),
        new("GET /v1/sessions/{id}/traces", WorkspacePolicy.ReadSessions, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/sessions/{w.Session}/traces")),
        new("POST /v1/sessions/{id}/chats", WorkspacePolicy.WriteSessions, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"/v1/sessions/{w.Session}/chats", """{"title":"t"}""")),
        new("POST /v1/chats/{id}/turns", WorkspacePolicy.WriteSessions, HttpStatusCode.Created,
            w => new(HttpMethod.Post, $"/v1/chats/{w.Chat}/turns", """{"role":"user","content":"hi"}""")),
        new("GET /v1/chats/{id}/turns", WorkspacePolicy.ReadSessions, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/chats/{w.Chat}/turns")),
        new("POST /v1/model-requests", WorkspacePolicy.WriteSessions, HttpStatusCode.Created, w => new(HttpMethod.Post, "/v1/model-requests", ModelRequestBodies.Small(w.Session))),
        new("GET /v1/model-requests/{id}", WorkspacePolicy.ReadSessions, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/model-requests/{w.Request}")),
        new("GET /v1/analytics/costs?project_id=", WorkspacePolicy.ReadAnalytics, HttpStatusCode.OK,
            w => new(HttpMethod.Get, $"/v1/analytics/costs?project_id={w.Project}")),
        new("GET /v1/analytics/costs?workspace_id=", WorkspacePolicy.ReadAnalytics, HttpStatusCode.OK,
            w => new(HttpMethod.Get, $"/v1/analytics/costs?workspace_id={w.Workspace}&group_by=user")),
        new("GET /v1/analytics/models?workspace_id=", WorkspacePolicy.ReadAnalytics, HttpStatusCode.OK,
            w => new(HttpMethod.Get, $"/v1/analytics/models?workspace_id={w.Workspace}")),
        new("GET /v1/traces/{trace_id}", WorkspacePolicy.ReadSessions, HttpStatusCode.OK, w => new(HttpMethod.Get, $"/v1/traces/{w.Trace}")),
    ];

    [Fact]
    public async Task Every_route_answers_every_caller_as_the_policy_table_says()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers,
            new Dictionary<string, string?> { [LatticeLock.Storage.Secrets.MasterKey.Setting] = LatticeLock.Storage.Secrets.MasterKey.NewBase64() });
        var people = await PeopleAsync(env);
        var failures = new List<string>();
        var cells = 0;
        foreach (var route in Routes)
        {
            World? shared = route.Reads ? await WorldAsync(env, people) : null;
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var world = shared ?? await WorldAsync(env, people);
                var call = route.Request(world);
                using var response = await env.Client(people.Keys[caller]).RawAsync(call.Method, call.Path, call.Body, "application/json", call.IfMatch);
                var expected = WorkspacePolicyExpectation.Expected(caller, route.Permission, route.Allowed);
                cells++;
                if (response.StatusCode != expected)
                    failures.Add($"{route.Route} as {caller}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                // A user belongs to at most 100 live workspaces: a world written in is deleted after its one cell (unless the route did).
                if (shared is null) (await env.Client(env.AdminKey).RawAsync(HttpMethod.Delete, world.Ws)).Dispose();
            }
            if (shared is not null) (await env.Client(env.AdminKey).RawAsync(HttpMethod.Delete, shared.Ws)).Dispose();
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells differ from the policy table:\n" + string.Join("\n", failures));
        Assert.Equal(Routes.Length * Enum.GetValues<Caller>().Length, cells);
    }

    /// <summary>The callers' users and keys: the owner, admin, member and viewer of every world, an outsider, an admin whose key is bound to their personal workspace, and the operator.</summary>
    /// <summary>
    /// OTLP obeys the same rule. An export names no workspace; its spans name a session by <c>gen_ai.conversation.id</c>.
    /// A caller who may write there attaches the span to that session (allowed); a member below the role gets 403 for
    /// the export; for anyone else the id is not a session they can see, so the span goes to a session of their own
    /// made for that conversation id. That is 404 in kind: nothing about the session is revealed, and nothing is written
    /// to it.
    /// </summary>
    [Fact]
    public async Task An_otlp_export_naming_a_session_answers_every_caller_as_the_policy_table_says()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers,
            new Dictionary<string, string?> { [LatticeLock.Storage.Secrets.MasterKey.Setting] = LatticeLock.Storage.Secrets.MasterKey.NewBase64() });
        var people = await PeopleAsync(env);
        var operatorClient = env.Client(env.AdminKey);
        var failures = new List<string>();
        foreach (var caller in Enum.GetValues<Caller>())
        {
            var world = await WorldAsync(env, people);
            var trace = Guid.NewGuid().ToString("N");
            var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            var export = $$$"""
                {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[
                 {"traceId":"{{{trace}}}","spanId":"{{{trace[..16]}}}","name":"agent","kind":1,"startTimeUnixNano":"{{{now - 1_000_000}}}","endTimeUnixNano":"{{{now}}}",
                  "attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"{{{world.Session}}}"}}]}]}]}]}
                """;
            using var response = await env.Client(people.Keys[caller]).RawAsync(HttpMethod.Post, "/otlp/v1/traces", export);
            var outcome = response.StatusCode;
            if (outcome == HttpStatusCode.OK)
            {
                // Where did the span go? The operator reads the trace as its sender's.
                var sender = people.Users.TryGetValue(caller, out var user) ? $"?user_id={user}" : "";
                var stored = await operatorClient.SendAsync(HttpMethod.Get, $"/v1/traces/{trace}{sender}", null, HttpStatusCode.OK);
                if (stored["session_id"]!.GetValue<Guid>() != world.Session) outcome = HttpStatusCode.NotFound; // kept apart, in a session of the caller's own
            }
            var sessionSpans = (await operatorClient.SendAsync(HttpMethod.Get, $"/v1/sessions/{world.Session}/traces", null, HttpStatusCode.OK)).AsArray()
                .Count(t => t!["trace_id"]!.GetValue<string>() == trace);
            var expected = WorkspacePolicyExpectation.Expected(caller, WorkspacePolicy.WriteSessions, HttpStatusCode.OK);
            if (outcome != expected || sessionSpans != (expected == HttpStatusCode.OK ? 1 : 0))
                failures.Add($"OTLP as {caller}: expected {(int)expected}, got {(int)outcome} ({(int)response.StatusCode}), {sessionSpans} trace(s) in the session");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private sealed record People(Dictionary<Caller, string> Keys, Dictionary<Caller, Guid> Users);

    private static async Task<People> PeopleAsync(GatewayEnvironment env)
    {
        var keys = new Dictionary<Caller, string> { [Caller.Operator] = env.AdminKey };
        var users = new Dictionary<Caller, Guid>();
        foreach (var caller in new[] { Caller.Owner, Caller.Admin, Caller.Member, Caller.Viewer, Caller.NonMember, Caller.KeyBoundElsewhere })
        {
            var (userId, key) = await env.NewUserWithKeyAsync(AllScopes);
            users[caller] = userId;
            keys[caller] = key;
        }
        // The bound caller is an admin of every world, but its key is bound to its personal workspace: it must act nowhere else.
        var bound = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{users[Caller.KeyBoundElsewhere]}/api-keys",
            JsonSerializer.Serialize(new { name = "bound", scopes = AllScopes, workspace_id = users[Caller.KeyBoundElsewhere] }), HttpStatusCode.Created);
        Assert.Equal(users[Caller.KeyBoundElsewhere], bound["workspace_id"]!.GetValue<Guid>());
        keys[Caller.KeyBoundElsewhere] = bound["key"]!.GetValue<string>();
        return new People(keys, users);
    }

    private static async Task<World> WorldAsync(GatewayEnvironment env, People people)
    {
        var owner = env.Client(people.Keys[Caller.Owner]);
        var admin = env.Client(env.AdminKey);
        var workspace = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"matrix"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var ws = $"/v1/workspaces/{workspace}";
        foreach (var (caller, role) in new[] { (Caller.Admin, "admin"), (Caller.Member, "member"), (Caller.Viewer, "viewer"), (Caller.KeyBoundElsewhere, "admin") })
            await owner.SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{people.Users[caller]}}","role":"{{role}}"}""", HttpStatusCode.Created);
        var target = (await admin.SendAsync(HttpMethod.Post, "/v1/users", $$"""{"email":"t{{Guid.NewGuid():N}}@example.com"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var newcomer = (await admin.SendAsync(HttpMethod.Post, "/v1/users", $$"""{"email":"n{{Guid.NewGuid():N}}@example.com"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"{ws}/members", $$"""{"user_id":"{{target}}","role":"member"}""", HttpStatusCode.Created);
        await owner.SendAsync(HttpMethod.Put, $"{ws}/credentials/main", """{"provider":"openai","secret":"sk-matrix-0001"}""", HttpStatusCode.Created);
        await owner.SendAsync(HttpMethod.Put, $"{ws}/model-prices", OverrideBody("gpt-matrix"), HttpStatusCode.Created);
        var targetKey = (await owner.SendAsync(HttpMethod.Post, $"/v1/users/{target}/api-keys",
            $$"""{"name":"target","scopes":["sessions:read"],"workspace_id":"{{workspace}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        var project = (await owner.SendAsync(HttpMethod.Post, "/v1/projects", $$"""{"name":"p","workspace_id":"{{workspace}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        Assert.Equal(workspace, (await owner.SendAsync(HttpMethod.Get, $"/v1/projects/{project}", null, HttpStatusCode.OK))["workspace_id"]!.GetValue<Guid>());
        await owner.SendAsync(HttpMethod.Put, $"/v1/projects/{project}/budget", """{"monthly_usd":100}""", HttpStatusCode.OK);
        var reservation = (await owner.SendAsync(HttpMethod.Post, $"/v1/projects/{project}/budget/reservations", """{"estimated_cost_usd":1}""", HttpStatusCode.Created))
            ["reservation_id"]!.GetValue<Guid>();
        var session = await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{project}}"}""", HttpStatusCode.Created);
        Assert.Equal(workspace, session["workspace_id"]!.GetValue<Guid>());
        var sessionId = session["id"]!.GetValue<Guid>();
        var chat = (await owner.SendAsync(HttpMethod.Post, $"/v1/sessions/{sessionId}/chats", """{"title":"c"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var body = ModelRequestBodies.Small(sessionId);
        var request = (await owner.SendAsync(HttpMethod.Post, "/v1/model-requests", body, HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        // A trace of the session, sent by the owner over OTLP: it lives in the session's workspace.
        var trace = Guid.NewGuid().ToString("N");
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        await owner.SendAsync(HttpMethod.Post, "/otlp/v1/traces", $$$"""
            {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[
             {"traceId":"{{{trace}}}","spanId":"{{{trace[..16]}}}","name":"agent","kind":1,"startTimeUnixNano":"{{{now - 1_000_000}}}","endTimeUnixNano":"{{{now}}}",
              "attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"{{{sessionId}}}"}}]}]}]}]}
            """, HttpStatusCode.OK);
        return new World(workspace, project, reservation, sessionId, chat, request, target, newcomer, trace, targetKey);
    }
}
