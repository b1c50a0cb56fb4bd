using LatticeLock.Client;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Auth;
using LatticeLock.Storage.Traces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LatticeLock.IntegrationTests;

/// <summary>The typed client, as an orchestrator uses it, against a two-silo TestingHost cluster on PostgreSQL clustering.</summary>
[Collection(ServersCollection.Name)]
public sealed class ClientLibraryTests(ServersFixture servers)
{
    [Fact]
    public async Task An_orchestrator_records_a_multi_turn_chat_and_its_model_requests_through_the_client()
    {
        var database = await servers.CreateDatabaseAsync();
        var clusterId = "client-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = await LatticeCluster.StartAsync(database, clusterId: clusterId, tcp: true);
        Assert.Equal(2, cluster.Silos.Count);

        // The orchestrator here is the operator: it creates users and sets prices, which need an admin key.
        await using var keySource = Npgsql.NpgsqlDataSource.Create(database);
        var operatorKey = (await OperatorKeys.IssueAsync(keySource, "orchestrator", "test", CancellationToken.None)).Key;
        using var host = await ClusterClients.StartOnPostgresAsync(database, clusterId, operatorKey);
        var lattice = host.Services.GetRequiredService<LatticeLockClient>();

        var user = await lattice.Users.Create("client@example.com", "Client");
        var session = await lattice.Sessions.Start(user.Id, metadataJson: """{"workflow":"test"}""");
        var chat = await lattice.Chats.Create(session.Id, "chat");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(2 * i + 1, await lattice.Chats.AppendTurn(chat.Id, new AppendTurn(TurnRole.User, $"q{i}")));
            Assert.Equal(2 * i + 2, await lattice.Chats.AppendTurn(chat.Id, new AppendTurn(TurnRole.Assistant, $"a{i}", "gpt-4o", "openai", 10, 5)));
            var request = Scenario.Request() with { ChatId = chat.Id, InputCostUsd = 0.01m, OutputCostUsd = 0.02m };
            Assert.False((await lattice.Sessions.RecordModelRequest(session.Id, request)).WasDuplicate);
            Assert.True((await lattice.Sessions.RecordModelRequest(session.Id, request)).WasDuplicate);
        }

        var summary = await lattice.Sessions.Get(session.Id);
        Assert.Equal((5, 0.15m), (summary.RequestCount, summary.TotalCostUsd));
        Assert.Equal(["q4", "a4"], (await lattice.Chats.GetLastTurns(chat.Id, 2)).Select(t => t.Content));
        var error = await Assert.ThrowsAsync<InvalidFieldException>(() => lattice.Chats.AppendTurn(chat.Id, new AppendTurn((TurnRole)9, "x")));
        Assert.Equal("role", error.Field);

        // Prices per token class through the client: a request recorded without costs is priced from them, class by class.
        var price = await lattice.Prices.Set(new ModelPrice("openai", "gpt-client-classes", 2.50m, 10.00m, 1.25m, DateTimeOffset.UtcNow.AddDays(-1)) { BatchMultiplier = 0.5m });
        Assert.True(price.Created);
        Assert.Equal(price.Price.Id, Assert.Single(await lattice.Prices.List("openai", "gpt-client-classes")).Id);
        var badPrice = await Assert.ThrowsAsync<InvalidFieldException>(() => lattice.Prices.Set(new ModelPrice("openai", "x", -1m, 1m, null, DateTimeOffset.UtcNow)));
        Assert.Equal("input_usd_per_mtok", badPrice.Field);
        var classed = Scenario.Request("gpt-client-classes", input: 1000, output: 500) with
            { InputCostUsd = null, OutputCostUsd = null, CachedInputTokens = 400, ReasoningOutputTokens = 200 };
        var pricedSession = await lattice.Sessions.Start(user.Id);
        var pricedAck = await lattice.Sessions.RecordModelRequest(pricedSession.Id, classed);
        Assert.Equal((0.002m, 0.005m, CostSource.PriceTable, (long?)price.Price.Id),
            (pricedAck.InputCostUsd, pricedAck.OutputCostUsd, pricedAck.CostSource, pricedAck.PriceId)); // 600 × 2.50 + 400 × 1.25; 300 × 10 + 200 × 10
        Assert.Equal(0.007m, (await lattice.Sessions.Get(pricedSession.Id)).TotalCostUsd);

        // Budgets through the facade: reserve, settle by recording, refuse what does not fit.
        var project = await lattice.Projects.Create(user.Id, "budgeted");
        await lattice.Budgets.Set(project.Id, 1m);
        var projectSession = await lattice.Sessions.Start(user.Id, project.Id);
        var hold = await lattice.Budgets.Reserve(project.Id, 0.9m);
        await Assert.ThrowsAsync<BudgetExceededException>(() => lattice.Budgets.Reserve(project.Id, 0.2m));
        var settling = Scenario.Request(inputCost: 0.1m, outputCost: 0.1m) with { ReservationId = hold.ReservationId };
        var settledAck = await lattice.Sessions.RecordModelRequest(projectSession.Id, settling);
        Assert.True(settledAck.ReservationSettled);
        // The retry of the same request is a duplicate answered the same way, and counts nothing twice.
        var retryAck = await lattice.Sessions.RecordModelRequest(projectSession.Id, settling);
        Assert.Equal((true, (bool?)true), (retryAck.WasDuplicate, retryAck.ReservationSettled));
        var budget = await lattice.Budgets.Get(project.Id);
        Assert.Equal((0.2m, 0m, 0.8m), (budget.SpentUsd, budget.ReservedUsd, budget.RemainingUsd));

        await using var db = new Db(database);
        Assert.Equal(5L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE chat_id = $1", chat.Id));
        Assert.Equal(10L, await db.ScalarAsync<long>("SELECT count(*) FROM chat_turns WHERE chat_id = $1", chat.Id));

        // Traces through the facade: spans committed by the span log (as the OTLP receiver does), one of them
        // the model request recorded above, read back as a tree and as the session's list.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var call = Scenario.Request(inputCost: 0.003m, outputCost: 0.004m) with { TraceId = traceId, SpanId = "00000000000000b2" };
        await lattice.Sessions.RecordModelRequest(session.Id, call);
        var start = (DateTimeOffset.UtcNow.AddMinutes(-1) - DateTimeOffset.UnixEpoch).Ticks * 100;
        await using var spanSource = Npgsql.NpgsqlDataSource.Create(database);
        await using var spanLog = new SpanLog(spanSource, SpanLog.Defaults(new()), new(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SpanLog>.Instance);
        var resource = SpanResource.Of("""{"service.name":"client-test"}"""u8.ToArray());
        var stored = await spanLog.AppendAsync(new SpanBatch(user.Id,
        [
            new SpanRow(traceId, "00000000000000a1", null, "agent", 1, start, start + 2_000_000_000, 0, null, "test", "{}"u8.ToArray(), resource.Id, "[]"u8.ToArray(), null),
            new SpanRow(traceId, "00000000000000b2", "00000000000000a1", "chat", 3, start + 500_000_000, start + 1_500_000_000, 1, null, "test", "{}"u8.ToArray(), resource.Id, "[]"u8.ToArray(), call.Id),
        ], new Dictionary<string, Guid> { [traceId] = session.Id }, [resource], user.Id), CancellationToken.None);
        Assert.Equal(2, stored.Stored);
        var page = await lattice.Traces.GetPage(user.Id, traceId);
        Assert.NotNull(page);
        Assert.Equal((2, 0.007m, (string?)null), (page.SpanCount, page.CostUsd, page.NextCursor));
        var root = page.Spans[0];
        Assert.Equal(("agent", 0, 2000.0, 1000.0), (root.Name, root.Depth, root.DurationMs, root.SelfTimeMs));
        Assert.Equal(0.007m, root.SubtreeCostUsd);
        Assert.Equal(("chat", 1, "00000000000000a1"), (page.Spans[1].Name, page.Spans[1].Depth, page.Spans[1].ParentSpanId));
        var all = new List<LatticeLock.Grains.Abstractions.Traces.TraceSpan>();
        await foreach (var span in lattice.Traces.ReadAll(user.Id, traceId)) all.Add(span);
        Assert.Equal(["agent", "chat"], all.Select(s => s.Name));
        // A trace id is scoped to its owner: another user has no such trace.
        Assert.Null(await lattice.Traces.GetPage(Guid.NewGuid(), traceId));
        Assert.Null(await lattice.Traces.GetPage(user.Id, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())));
        var listed = Assert.Single(await lattice.Traces.ListForSession(session.Id));
        Assert.Equal((traceId, 2, 1, 0.007m), (listed.TraceId, listed.Spans, listed.ModelRequests, listed.CostUsd));
        await host.StopAsync();
    }

    [Fact]
    public async Task Each_call_of_a_typed_client_is_authorized_by_its_key_in_the_workspace_as_over_http()
    {
        var database = await servers.CreateDatabaseAsync();
        var clusterId = "client-auth-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = await LatticeCluster.StartAsync(database, clusterId: clusterId, tcp: true);
        await using var keySource = Npgsql.NpgsqlDataSource.Create(database);
        string[] scopes = ["sessions:read", "sessions:write", "projects:read", "projects:write"];
        async Task<(Guid User, string Key)> UserWithKeyAsync(string name)
        {
            var user = await cluster.GrainFactory.GetGrain<LatticeLock.Grains.Abstractions.Users.IUserGrain>(Guid.NewGuid())
                .Create(new LatticeLock.Grains.Abstractions.Users.CreateUser($"{name}-{Guid.NewGuid():N}@example.com", name));
            var issued = await OperatorKeys.Issuer(keySource).IssueAsync(new KeyIssue(user.Id, name, scopes, null), creator: null,
                new KeyIssuePolicy(100, 0, 0), "test", null, null, CancellationToken.None);
            return (user.Id, issued.Key);
        }
        var (ownerId, ownerKey) = await UserWithKeyAsync("owner");
        var (viewerId, viewerKey) = await UserWithKeyAsync("viewer");
        var (_, outsiderKey) = await UserWithKeyAsync("outsider");
        var workspace = Guid.NewGuid();
        await cluster.GrainFactory.GetGrain<IWorkspaceGrain>(workspace).Create(new CreateWorkspace(ownerId, "Team", null));
        await cluster.GrainFactory.GetGrain<IWorkspaceGrain>(workspace).SetMember(new SetWorkspaceMember(ownerId, viewerId, WorkspaceRole.Viewer));

        using var ownerHost = await ClusterClients.StartOnPostgresAsync(database, clusterId, ownerKey);
        using var viewerHost = await ClusterClients.StartOnPostgresAsync(database, clusterId, viewerKey);
        using var outsiderHost = await ClusterClients.StartOnPostgresAsync(database, clusterId, outsiderKey);
        using var strangerHost = await ClusterClients.StartOnPostgresAsync(database, clusterId, "ll_aaaaaaaaaaaa_" + new string('A', 43));
        var owner = ownerHost.Services.GetRequiredService<LatticeLockClient>();
        var viewer = viewerHost.Services.GetRequiredService<LatticeLockClient>();
        var outsider = outsiderHost.Services.GetRequiredService<LatticeLockClient>();
        var stranger = strangerHost.Services.GetRequiredService<LatticeLockClient>();

        // The owner starts a session in the team's workspace and records a request; grain-to-grain calls inside pass.
        var session = await owner.Sessions.Start(ownerId, workspaceId: workspace);
        Assert.Equal(workspace, session.WorkspaceId);
        Assert.False((await owner.Sessions.RecordModelRequest(session.Id, Scenario.Request(inputCost: 0.01m, outputCost: 0.01m))).WasDuplicate);

        // A viewer reads it but cannot record (403, naming its role); nothing is stored.
        Assert.Equal(1, (await viewer.Sessions.Get(session.Id)).RequestCount);
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => viewer.Sessions.RecordModelRequest(session.Id, Scenario.Request()));
        Assert.Contains("viewer", refused.Message);
        // Another workspace's key cannot read the session (404, as if it did not exist), nor start one as the owner.
        var hidden = await Assert.ThrowsAsync<NotFoundException>(() => outsider.Sessions.Get(session.Id));
        Assert.Equal(("session", session.Id), (hidden.Entity, hidden.EntityId));
        await Assert.ThrowsAsync<ForbiddenException>(() => outsider.Sessions.Start(ownerId));
        // An operator's method is refused to everyone else; an unknown key gets nothing at all.
        await Assert.ThrowsAsync<ForbiddenException>(() => owner.Users.Create($"x-{Guid.NewGuid():N}@example.com"));
        await Assert.ThrowsAsync<NotAuthenticatedException>(() => stranger.Sessions.Get(session.Id));
        Assert.Equal(1, (await owner.Sessions.Get(session.Id)).RequestCount);
        foreach (var h in new[] { ownerHost, viewerHost, outsiderHost, strangerHost }) await h.StopAsync();
    }
}
