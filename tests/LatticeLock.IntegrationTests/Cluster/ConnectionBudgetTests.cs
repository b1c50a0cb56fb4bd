using System.Net;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// One connection budget per silo (issue 13, item 3): both pools together stay within
/// <c>LatticeLock:Database:MaxConnections</c> under load, and a budget PostgreSQL cannot admit stops start-up naming it.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ConnectionBudgetTests(ServersFixture servers)
{
    [Fact]
    public async Task Under_64_concurrent_writers_a_silo_never_holds_more_connections_than_its_budget()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?>
        {
            ["LatticeLock__Database__MaxConnections"] = "12",
            ["LatticeLock__Database__OrleansConnections"] = "3",
            ["LatticeLock__Database__AnalyticsConnections"] = "2",
        });
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var client = env.Client(key);
        var sessions = new List<Guid>();
        for (var i = 0; i < 8; i++) sessions.Add((await client.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>());

        // The test's own probe connects with its own application name and is left out of the count.
        var database = new NpgsqlConnectionStringBuilder(env.Database).Database!;
        await using var probe = NpgsqlDataSource.Create(env.Database + ";Application Name=budget-probe");
        var peak = 0L;
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var count = probe.CreateCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name <> 'budget-probe' AND backend_type = 'client backend'");
                count.Parameters.AddWithValue(database);
                peak = Math.Max(peak, (long)(await count.ExecuteScalarAsync())!);
                await Task.Delay(20);
            }
        });
        var writers = Enumerable.Range(0, 64).Select(async w =>
        {
            for (var i = 0; i < 25; i++)
            {
                var body = $$"""{"session_id":"{{sessions[w % sessions.Count]}}","model_id":"m","provider":"p","requested_at":"2026-12-01T10:00:00Z","input_tokens":1,"status":"success"}""";
                await client.SendAsync(HttpMethod.Post, "/v1/model-requests", body, HttpStatusCode.Created);
                await client.SendAsync(HttpMethod.Get, $"/v1/sessions/{sessions[(w + i) % sessions.Count]}/traces", null, HttpStatusCode.OK);
            }
        });
        await Task.WhenAll(writers);
        stop.Cancel();
        await sampling;

        await using var db = new Db(env.Database);
        Assert.Equal(1600L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
        Assert.InRange(peak, 1, 12);
    }

    [Fact]
    public async Task A_budget_postgres_cannot_admit_or_a_pool_size_in_the_connection_string_stops_start_up_naming_the_setting()
    {
        var database = await servers.CreateDatabaseAsync();
        await using (var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, ["LatticeLock__Database__MaxConnections"] = "5000" }))
        {
            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)), "the silo started with a budget PostgreSQL cannot admit");
            Assert.Equal(2, silo.ExitCode);
            Assert.Contains("LatticeLock:Database:MaxConnections (5000) is more than PostgreSQL admits", silo.Output);
        }
        await using (var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database + ";Maximum Pool Size=500" }))
        {
            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("ConnectionStrings__postgres sets a pool size", silo.Output);
        }
        await using (var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, ["LatticeLock__Database__MaxConnections"] = "8" }))
        {
            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("LatticeLock:Database:MaxConnections (8) leaves -6 connections", silo.Output);
        }
    }
}
