using System.Net;
using LatticeLock.Client;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Auth;
using LatticeLock.Storage.Traces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Caller = LatticeLock.IntegrationTests.WorkspaceCaller;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The typed client's calls × every kind of caller, each caller a client process-side host holding its own key,
/// generated from one table: each call names the <see cref="WorkspacePolicy"/> permission it needs, and the expected
/// answer follows from the same rule as the HTTP matrix (<see cref="WorkspacePolicyExpectation"/>): allowed, 403
/// (<see cref="ForbiddenException"/>) or 404 (<see cref="NotFoundException"/>). Writes run in a fresh workspace per caller.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class TypedClientPolicyMatrixTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["sessions:read", "sessions:write", "projects:read", "projects:write"];

    /// <summary>A workspace with a price override and a project (with a budget), a session in it with a chat, a request and the owner's trace.</summary>
    private sealed record World(Guid Workspace, Guid Project, Guid Session, Guid Chat, Guid TraceOwner, string Trace);

    /// <summary>A typed-client call, what it needs, whether it only reads, and how to make it as <c>me</c> in a world.</summary>
    private sealed record Operation(string Name, WorkspacePermission Permission, bool Reads, Func<LatticeLockClient, World, Guid, Task> Call);

    private static readonly Operation[] Operations =
    [
        new("Sessions.Get", WorkspacePolicy.ReadSessions, true, (c, w, _) => c.Sessions.Get(w.Session)),
        new("Traces.ListForSession", WorkspacePolicy.ReadSessions, true, (c, w, _) => c.Traces.ListForSession(w.Session)),
        new("Traces.GetPage (the owner's trace)", WorkspacePolicy.ReadSessions, true, (c, w, _) => c.Traces.GetPage(w.TraceOwner, w.Trace)),
        new("Chats.GetLastTurns", WorkspacePolicy.ReadSessions, true, (c, w, _) => c.Chats.GetLastTurns(w.Chat, 10)),
        new("Projects.Get", WorkspacePolicy.ReadProjects, true, (c, w, _) => c.Projects.Get(w.Project)),
        new("Budgets.Get", WorkspacePolicy.ReadProjects, true, (c, w, _) => c.Budgets.Get(w.Project)),
        new("Sessions.Start (project)", WorkspacePolicy.WriteSessions, false, (c, w, me) => c.Sessions.Start(me, w.Project)),
        new("Sessions.Start (workspace)", WorkspacePolicy.WriteSessions, false, (c, w, me) => c.Sessions.Start(me, workspaceId: w.Workspace)),
        new("Sessions.RecordModelRequest", WorkspacePolicy.WriteSessions, false, (c, w, _) => c.Sessions.RecordModelRequest(w.Session, Scenario.Request())),
        new("Sessions.End", WorkspacePolicy.WriteSessions, false, (c, w, _) => c.Sessions.End(w.Session)),
        new("Chats.Create", WorkspacePolicy.WriteSessions, false, (c, w, _) => c.Chats.Create(w.Session, "t")),
        new("Chats.AppendTurn", WorkspacePolicy.WriteSessions, false, (c, w, _) => c.Chats.AppendTurn(w.Chat, new AppendTurn(TurnRole.User, "hi"))),
        new("Budgets.Reserve", WorkspacePolicy.ReserveBudget, false, (c, w, _) => c.Budgets.Reserve(w.Project, 0.5m)),
        new("Projects.Create (workspace)", WorkspacePolicy.ManageProjects, false, (c, w, me) => c.Projects.Create(me, "p", workspaceId: w.Workspace)),
        new("Projects.Update", WorkspacePolicy.ManageProjects, false, (c, w, _) => c.Projects.Update(w.Project, 1, name: "q")),
        new("Budgets.Set", WorkspacePolicy.ManageProjects, false, (c, w, _) => c.Budgets.Set(w.Project, 75m)),
        new("Prices.ListOverrides", WorkspacePolicy.ReadWorkspace, true, (c, w, _) => c.Prices.ListOverrides(w.Workspace)),
        new("Prices.Set (workspace override)", WorkspacePolicy.ManagePrices, false, (c, w, _) => c.Prices.Set(Override(w.Workspace, "gpt-typed-new"))),
        new("Prices.RemoveOverride", WorkspacePolicy.ManagePrices, false, (c, w, _) => c.Prices.RemoveOverride(w.Workspace, "openai", "gpt-typed")),
    ];

    private static ModelPrice Override(Guid workspace, string model) =>
        new("openai", model, 1.5m, 6m, null, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { WorkspaceId = workspace };

    [Fact]
    public async Task Every_typed_client_call_answers_every_caller_as_the_policy_table_says()
    {
        var database = await servers.CreateDatabaseAsync();
        var clusterId = "client-matrix-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = await LatticeCluster.StartAsync(database, clusterId: clusterId, tcp: true);
        await using var keySource = Npgsql.NpgsqlDataSource.Create(database);
        var users = new Dictionary<Caller, Guid>();
        var hosts = new Dictionary<Caller, IHost>();
        var operatorKeyId = Guid.Empty;
        try
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var user = await cluster.GrainFactory.GetGrain<IUserGrain>(Guid.NewGuid()).Create(new CreateUser($"{caller}-{Guid.NewGuid():N}@example.com", caller.ToString()));
                users[caller] = user.Id;
                // The bound caller is an admin of every world, but its key is bound to its personal workspace.
                var issue = caller switch
                {
                    Caller.Operator => new KeyIssue(user.Id, "operator", [ApiScopes.Admin], null),
                    Caller.KeyBoundElsewhere => new KeyIssue(user.Id, "bound", Scopes, null, WorkspaceId: user.Id),
                    _ => new KeyIssue(user.Id, caller.ToString(), Scopes, null),
                };
                var issued = await OperatorKeys.Issuer(keySource).IssueAsync(issue, creator: null, new KeyIssuePolicy(100, 0, 0), "test", null, null, CancellationToken.None);
                if (caller == Caller.Operator) operatorKeyId = issued.Info.Id;
                hosts[caller] = await ClusterClients.StartOnPostgresAsync(database, clusterId, issued.Key);
            }
            var owner = Client(hosts[Caller.Owner]);
            await using var spanLog = new SpanLog(keySource, SpanLog.Defaults(new()), new(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SpanLog>.Instance);

            async Task<World> WorldAsync()
            {
                var workspace = Guid.NewGuid();
                var grain = cluster.GrainFactory.GetGrain<IWorkspaceGrain>(workspace);
                await grain.Create(new CreateWorkspace(users[Caller.Owner], "matrix", null));
                foreach (var (caller, role) in new[] { (Caller.Admin, WorkspaceRole.Admin), (Caller.Member, WorkspaceRole.Member),
                             (Caller.Viewer, WorkspaceRole.Viewer), (Caller.KeyBoundElsewhere, WorkspaceRole.Admin) })
                    await grain.SetMember(new SetWorkspaceMember(users[Caller.Owner], users[caller], role));
                var project = await owner.Projects.Create(users[Caller.Owner], "p", workspaceId: workspace);
                await owner.Budgets.Set(project.Id, 100m);
                var session = await owner.Sessions.Start(users[Caller.Owner], project.Id);
                var chat = await owner.Chats.Create(session.Id, "c");
                await owner.Chats.AppendTurn(chat.Id, new AppendTurn(TurnRole.User, "hello"));
                await owner.Sessions.RecordModelRequest(session.Id, Scenario.Request());
                await owner.Prices.Set(Override(workspace, "gpt-typed"));
                // A trace of the session, committed by the span log as the OTLP receiver commits it.
                var trace = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
                var start = (DateTimeOffset.UtcNow.AddMinutes(-1) - DateTimeOffset.UnixEpoch).Ticks * 100;
                var resource = SpanResource.Of("""{"service.name":"matrix"}"""u8.ToArray());
                var stored = await spanLog.AppendAsync(new SpanBatch(users[Caller.Owner],
                    [new SpanRow(trace, "00000000000000a1", null, "agent", 1, start, start + 1_000_000_000, 0, null, "test", "{}"u8.ToArray(), resource.Id, "[]"u8.ToArray(), null)],
                    new Dictionary<string, Guid> { [trace] = session.Id }, [resource], workspace), CancellationToken.None);
                Assert.Equal(1, stored.Stored);
                return new World(workspace, project.Id, session.Id, chat.Id, users[Caller.Owner], trace);
            }

            var failures = new List<string>();
            var cells = 0;
            foreach (var operation in Operations)
            {
                var shared = operation.Reads ? await WorldAsync() : null;
                foreach (var caller in Enum.GetValues<Caller>())
                {
                    var world = shared ?? await WorldAsync();
                    var expected = WorkspacePolicyExpectation.Expected(caller, operation.Permission, HttpStatusCode.OK);
                    var (got, detail) = await OutcomeAsync(() => operation.Call(Client(hosts[caller]), world, users[caller]));
                    cells++;
                    if (got != expected) failures.Add($"{operation.Name} as {caller}: expected {(int)expected}, got {(int)got} {detail}");
                    // A user belongs to at most 100 live workspaces: a world written in is deleted after its one cell.
                    if (shared is null) await cluster.GrainFactory.GetGrain<IWorkspaceGrain>(world.Workspace).Delete(users[Caller.Owner]);
                }
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells differ from the policy table:\n" + string.Join("\n", failures));
            Assert.Equal(Operations.Length * Enum.GetValues<Caller>().Length, cells);

            // The operator's calls are in the platform's audit chain, counted per method (flushed every 10 s).
            await using var db = new Db(database);
            Assert.True(await Eventually.TrueInDatabaseAsync(db,
                $"SELECT coalesce(sum((changes->'new'->>'calls')::bigint), 0) >= {Operations.Length} FROM audit_logs " +
                $"WHERE workspace_id = '{LatticeLock.Storage.Audit.AuditLog.PlatformWorkspace}' AND action = 'operator.calls' AND actor_key_id = '{operatorKeyId}'"));
            Assert.True(await db.ScalarAsync<bool>(
                $"SELECT bool_and(resource_type = 'grain' AND resource_id LIKE 'I%Grain.%') FROM audit_logs WHERE action = 'operator.calls' AND actor_key_id = '{operatorKeyId}'"));
        }
        finally
        {
            foreach (var host in hosts.Values)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }
    }

    /// <summary>The call's answer as the HTTP status it stands for: 200 done, 403 refused for the role, 404 not found for the caller.</summary>
    private static async Task<(HttpStatusCode Status, string Detail)> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return (HttpStatusCode.OK, "");
        }
        catch (ForbiddenException e)
        {
            return (HttpStatusCode.Forbidden, e.Message);
        }
        catch (NotFoundException e)
        {
            return (HttpStatusCode.NotFound, e.Message);
        }
        catch (Exception e) when (e is InvalidFieldException or ConflictException or NotAuthenticatedException or InvalidOperationException)
        {
            return (HttpStatusCode.InternalServerError, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static LatticeLockClient Client(IHost host) => host.Services.GetRequiredService<LatticeLockClient>();
}
