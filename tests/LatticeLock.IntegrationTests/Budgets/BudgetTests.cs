using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Projects;

namespace LatticeLock.IntegrationTests;

/// <summary>Budgets enforced before the call: reservations never overbook, thresholds alert once, webhooks are retried.</summary>
[Collection(ServersCollection.Name)]
public sealed class BudgetTests(ServersFixture servers)
{
    private static ModelRequestRecord Costing(decimal usd, Guid? reservationId = null) =>
        Scenario.Request(inputCost: usd / 2, outputCost: usd / 2) with { ReservationId = reservationId };

    [Fact]
    public async Task Two_hundred_concurrent_reservations_from_several_silos_never_exceed_the_remaining_budget()
    {
        var (cluster, _) = await servers.SharedClusterAsync();
        var grains = cluster.GrainFactory;
        var (projectId, sessionId) = await Scenario.NewProjectSessionAsync(grains);
        var project = grains.GetGrain<IProjectGrain>(projectId);
        await project.SetBudget(new BudgetSettings(10m, [], null));
        await grains.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Costing(1m));

        // 20 callers placed across the silos, 10 concurrent reservations each: 200 at once for 9 USD remaining.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            grains.GetGrain<IReservingProbeGrain>(Guid.NewGuid()).ReserveMany(projectId, 10, 0.07m)));

        Assert.True(outcomes.Select(o => o.Silo).Distinct().Count() >= 2, "reservations should come from more than one silo");
        var granted = outcomes.SelectMany(o => o.Granted).ToList();
        Assert.Equal(128, granted.Count); // floor(9 / 0.07)
        Assert.Equal(72, outcomes.Sum(o => o.Refused));
        Assert.True(granted.Sum() <= 9m);
        var status = await project.GetBudget();
        Assert.Equal(1m, status.SpentUsd);
        Assert.Equal(128 * 0.07m, status.ReservedUsd);
        Assert.Equal(10m - 1m - 128 * 0.07m, status.RemainingUsd);
        Assert.Equal(128, status.ActiveReservations);

        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => project.Reserve(new ReserveBudget(0.07m)));
        Assert.Equal(status.RemainingUsd, refused.RemainingUsd);
    }

    [Fact]
    public async Task A_recorded_request_settles_its_reservation_release_frees_it_and_expired_ones_release_themselves()
    {
        var (cluster, _) = await servers.SharedClusterAsync();
        var grains = cluster.GrainFactory;
        var (projectId, sessionId) = await Scenario.NewProjectSessionAsync(grains);
        var project = grains.GetGrain<IProjectGrain>(projectId);
        await project.SetBudget(new BudgetSettings(5m, [], null));

        var settled = await project.Reserve(new ReserveBudget(2m));
        var released = await project.Reserve(new ReserveBudget(1m));
        var expiring = await project.Reserve(new ReserveBudget(1.5m, TtlSeconds: 1));
        Assert.Equal(4.5m, (await project.GetBudget()).ReservedUsd);
        await Assert.ThrowsAsync<BudgetExceededException>(() => project.Reserve(new ReserveBudget(1m)));

        // The actual cost (0.40) replaces the 2.00 estimate.
        await grains.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Costing(0.4m, settled.ReservationId));
        var afterSettle = await project.GetBudget();
        Assert.Equal(0.4m, afterSettle.SpentUsd);
        Assert.Equal(2.5m, afterSettle.ReservedUsd);

        await project.ReleaseReservation(released.ReservationId);
        await Assert.ThrowsAsync<NotFoundException>(() => project.ReleaseReservation(released.ReservationId));
        Assert.Equal(1.5m, (await project.GetBudget()).ReservedUsd);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var afterExpiry = await project.GetBudget();
        Assert.Equal(0m, afterExpiry.ReservedUsd);
        Assert.Equal(0, afterExpiry.ActiveReservations);
        Assert.Equal(4.6m, afterExpiry.RemainingUsd);
        await Assert.ThrowsAsync<NotFoundException>(() => project.ReleaseReservation(expiring.ReservationId));
    }

    [Fact]
    public async Task Bad_budget_input_is_refused_and_changes_nothing()
    {
        var (cluster, _) = await servers.SharedClusterAsync();
        var (projectId, _) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(projectId);
        await Assert.ThrowsAsync<NotFoundException>(() => project.GetBudget());
        await Assert.ThrowsAsync<NotFoundException>(() => project.Reserve(new ReserveBudget(1m)));
        Assert.Equal("monthly_usd", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.SetBudget(new BudgetSettings(-1m, [], null)))).Field);
        Assert.Equal("alert_thresholds_pct", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.SetBudget(new BudgetSettings(1m, [50, 50], null)))).Field);
        Assert.Equal("alert_thresholds_pct", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.SetBudget(new BudgetSettings(1m, [0], null)))).Field);
        Assert.Equal("webhook_url", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.SetBudget(new BudgetSettings(1m, [], "ftp://x/")))).Field);
        await Assert.ThrowsAsync<NotFoundException>(() => project.GetBudget());

        await project.SetBudget(new BudgetSettings(1m, [80, 50], null));
        Assert.Equal("estimated_cost_usd", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.Reserve(new ReserveBudget(-1m)))).Field);
        Assert.Equal("ttl_seconds", (await Assert.ThrowsAsync<InvalidFieldException>(() => project.Reserve(new ReserveBudget(0.1m, 0)))).Field);
        var status = await project.GetBudget();
        Assert.Equal(new[] { 50, 80 }, status.AlertThresholdsPct);
        Assert.Equal(0, status.ActiveReservations);
    }

    [Fact]
    public async Task Thresholds_alert_exactly_once_under_200_concurrent_requests_and_after_a_restart()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        Guid projectId, sessionId;
        await using (var cluster = await LatticeCluster.StartAsync(database))
        {
            (projectId, sessionId) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
            await cluster.GrainFactory.GetGrain<IProjectGrain>(projectId).SetBudget(new BudgetSettings(1m, [50, 80, 100], null));
            var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
            await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => session.RecordModelRequest(Costing(0.01m))));
            var status = await cluster.GrainFactory.GetGrain<IProjectGrain>(projectId).GetBudget();
            Assert.Equal(2m, status.SpentUsd);
            Assert.Equal(-1m, status.RemainingUsd);
        }
        Assert.Equal(new[] { 50L, 80L, 100L }, (await db.RowsAsync(
            "SELECT threshold_pct::bigint FROM alert_events WHERE project_id = $1 ORDER BY 1", projectId)).Select(r => (long)r[0]!));
        Assert.Equal("no_webhook", await db.ScalarAsync<string>("SELECT DISTINCT delivery_status FROM alert_events WHERE project_id = $1", projectId));

        // A fresh cluster rebuilds spend from model_requests and does not alert again.
        await using (var cluster = await LatticeCluster.StartAsync(database))
        {
            var project = cluster.GrainFactory.GetGrain<IProjectGrain>(projectId);
            Assert.Equal(2m, (await project.GetBudget()).SpentUsd);
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Costing(0.01m))));
            await project.SetBudget(new BudgetSettings(1m, [50, 80, 100, 200], null)); // 200 % is reached now (2.2 USD)
            Assert.Equal(2.2m, (await project.GetBudget()).SpentUsd);
        }
        Assert.Equal(new[] { 50L, 80L, 100L, 200L }, (await db.RowsAsync(
            "SELECT threshold_pct::bigint FROM alert_events WHERE project_id = $1 ORDER BY 1", projectId)).Select(r => (long)r[0]!));
    }

    [Fact]
    public async Task Webhooks_cannot_reach_internal_addresses_when_the_budget_is_set_or_when_connecting()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database, settings: new Dictionary<string, string>
        {
            ["Budgets:Webhooks:PollInterval"] = "00:00:00.200",
            ["Budgets:Webhooks:InitialBackoff"] = "00:00:00.200",
            ["Budgets:Webhooks:MaxAttempts"] = "2",
        });
        var (projectId, sessionId) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        var project = cluster.GrainFactory.GetGrain<IProjectGrain>(projectId);
        foreach (var url in new[] { "http://127.0.0.1:9200/", "http://10.0.0.7:9200/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://localhost:5432/", "http://[::ffff:127.0.0.1]/" })
        {
            var refused = await Assert.ThrowsAsync<InvalidFieldException>(() => project.SetBudget(new BudgetSettings(1m, [50], url)));
            Assert.Equal("webhook_url", refused.Field);
            await Assert.ThrowsAsync<NotFoundException>(() => project.GetBudget()); // nothing was stored
        }

        // A name is checked where it matters, when connecting: this machine's own name resolves to loopback.
        var port = LoopbackPorts.Free();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://+:{port}/hook/");
        listener.Start();
        var received = 0;
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                try { var context = await listener.GetContextAsync(); Interlocked.Increment(ref received); context.Response.Close(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            }
        });
        var name = Dns.GetHostName();
        Assert.True((await Dns.GetHostAddressesAsync(name)).All(a => WebhookTargetPolicy.PublicOnly.Refusal(a) is not null),
            $"this test needs the machine's name ({name}) to resolve to a non-public address");
        await project.SetBudget(new BudgetSettings(1m, [50], $"http://{name}:{port}/hook/"));
        await cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Costing(0.6m));
        Assert.Equal("failed", await Eventually.Until(() => db.ScalarAsync<string>("SELECT delivery_status FROM alert_events WHERE project_id = $1", projectId),
            status => status == "failed", TimeSpan.FromSeconds(30)));
        var row = (await db.RowsAsync("SELECT attempts, last_status_code, last_error FROM alert_events WHERE project_id = $1", projectId)).Single();
        Assert.Equal(2, row[0]);
        Assert.Null(row[1]);
        Assert.Equal("refused: the webhook host resolves to no public address", row[2]);
        Assert.Equal(0, received);
    }

    [Fact]
    public async Task Webhook_delivery_is_retried_with_backoff_and_its_status_recorded()
    {
        var port = LoopbackPorts.Free();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new ConcurrentQueue<(string AlertId, JsonElement Body)>();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                using var body = JsonDocument.Parse(await new StreamReader(context.Request.InputStream).ReadToEndAsync());
                received.Enqueue((context.Request.Headers["X-LatticeLock-Alert-Id"] ?? "", body.RootElement.Clone()));
                context.Response.StatusCode = received.Count <= 2 ? 500 : 200; // the first two attempts fail
                context.Response.Close();
            }
        });

        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database, settings: new Dictionary<string, string>
        {
            ["Budgets:Webhooks:PollInterval"] = "00:00:00.200",
            ["Budgets:Webhooks:InitialBackoff"] = "00:00:00.200",
            ["Budgets:Webhooks:AllowedPrivateNetworks"] = "127.0.0.1", // the test's receiver listens on loopback
        });
        var (projectId, sessionId) = await Scenario.NewProjectSessionAsync(cluster.GrainFactory);
        await cluster.GrainFactory.GetGrain<IProjectGrain>(projectId).SetBudget(new BudgetSettings(1m, [50], $"http://127.0.0.1:{port}/hook/"));
        await cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId).RecordModelRequest(Costing(0.6m));

        Assert.Equal("delivered", await Eventually.Until(() => db.ScalarAsync<string>("SELECT delivery_status FROM alert_events WHERE project_id = $1", projectId),
            status => status == "delivered", TimeSpan.FromSeconds(30)));
        var row = (await db.RowsAsync("SELECT delivery_status, attempts, last_status_code, threshold_pct FROM alert_events WHERE project_id = $1", projectId)).Single();
        Assert.Equal(new object?[] { "delivered", 3, 200, 50 }, row);
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.AlertId).Distinct());
        var payload = received.Last().Body;
        Assert.Equal("budget.threshold_crossed", payload.GetProperty("event").GetString());
        Assert.Equal(projectId, payload.GetProperty("project_id").GetGuid());
        Assert.Equal(50, payload.GetProperty("threshold_pct").GetInt32());
        Assert.Equal(0.6m, payload.GetProperty("spent_usd").GetDecimal());
        listener.Stop();
        await serving;
    }

}
