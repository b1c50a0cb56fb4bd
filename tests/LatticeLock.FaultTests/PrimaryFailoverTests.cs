using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>
/// The loss of the PostgreSQL primary, on real servers: a primary, a synchronous standby and an asynchronous read
/// replica (<c>infrastructure/local/postgres-replicated.sh</c>), two silo processes whose one connection string lists
/// all three, and <see cref="FaultInjectionTests.Writers"/> HTTP writers. Mid-run the primary's postmaster is killed
/// (SIGKILL) and the standby promoted with <c>lattice db promote</c>; the silos find the new primary through Npgsql's
/// multi-host support, with no restart. Everything acknowledged must be on the new primary exactly once, session
/// totals equal to its rows.
/// </summary>
public sealed class PrimaryFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_primary_and_promoting_the_synchronous_standby_loses_nothing_acknowledged()
    {
        await using var cluster = await FaultCluster.StartAsync("failover", 2, server: "postgres-replicated");
        var (primary, standby, _) = Hosts(cluster);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        // Before: readiness names the primary, the synchronous standby and the asynchronous replica.
        var ready = await ReadyAsync(http, cluster.Endpoints[0]);
        Assert.Equal(primary, ready["postgres_primary"]!.GetValue<string>());
        Assert.Equal(["replica:async", "standby:sync"], ready["standbys"]!.AsArray().Select(s => $"{s!["name"]}:{s["sync_state"]}"));
        var load = await WriterLoad.PrepareAsync(cluster.Endpoints, cluster.AdminKey, FaultInjectionTests.Writers);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var killedAt = load.Now;
        await cluster.Postgres.RunVerbAsync("kill-primary");
        await Task.Delay(TimeSpan.FromSeconds(1)); // an operator's (or a script's) reaction time, kept short
        // `lattice db promote` picks the first host in recovery in the connection string: the synchronous standby.
        var (promoteCode, promoted) = await BuiltProgram.RunCliAsync(cluster.Database, "db", "promote");
        Assert.True(promoteCode == 0, promoted);
        Assert.Contains($"promoted {standby}", promoted, StringComparison.Ordinal);
        var promotedAt = load.Now;
        await Task.Delay(TimeSpan.FromSeconds(15));
        var result = await load.StopAsync().WaitAsync(TimeSpan.FromMinutes(3));

        // Seconds from the kill until a call that started after the promotion was acknowledged: writes resumed.
        var resumed = result.Deliveries.Where(d => d.Started >= promotedAt).Select(d => d.Acknowledged).DefaultIfEmpty(double.NaN).Min() - killedAt;
        string F(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";
        output.WriteLine($"fault: kill -9 of the PostgreSQL primary, standby promoted {F(promotedAt - killedAt)} later, {FaultInjectionTests.Writers} writers on 2 silos");
        output.WriteLine("| acknowledged requests | acknowledged turns | answers | refused (non-2xx) | P99 wait after | longest wait after | kill to first write after the promotion |");
        output.WriteLine($"| {result.Requests.Count} | {result.Turns.Count} | {result.StatusLine} | {result.RefusedPercent:0.00} % | {F(result.WaitPercentileAfter(killedAt, 99))} | {F(result.LongestWaitAfter(killedAt))} | {F(resumed)} |");
        foreach (var surprise in result.Surprises.Take(20)) output.WriteLine("surprise: " + surprise);
        if (result.Surprises.Count > 0) await SiloLogs.KeepAsync(cluster, output);

        await StoredLoad.AssertExactlyOnceAsync(cluster, load, result, cluster.Endpoints[0]);
        Assert.False(double.IsNaN(resumed), "no write was acknowledged after the promotion");
        Assert.Equal(FaultInjectionTests.Writers, result.WritersAcknowledgedAfter(promotedAt + 1));
        var status = await cluster.Postgres.RunVerbAsync("status");
        Assert.Contains("standby 127.0.0.1:", status, StringComparison.Ordinal);
        Assert.Matches(@"standby 127\.0\.0\.1:\d+ primary", status); // the promoted standby is the primary now
        Assert.Equal(2, await cluster.ActiveSilosAsync());

        // After: readiness and `lattice db status` name the promoted standby as the primary, with the replica now
        // streaming from it.
        var readyAfter = await Eventually.Until(() => ReadyAsync(http, cluster.Endpoints[1]),
            r => r["postgres_primary"]!.GetValue<string>() == standby && r["standbys"]!.AsArray().Any(s => s!["name"]!.GetValue<string>() == "replica"),
            TimeSpan.FromSeconds(60), what: "readiness naming the promoted standby as primary, with the replica streaming from it");
        Assert.Equal(standby, readyAfter["postgres_primary"]!.GetValue<string>());
        Assert.Contains(readyAfter["standbys"]!.AsArray(), s => s!["name"]!.GetValue<string>() == "replica");
        var (code, cli) = await BuiltProgram.RunCliAsync(cluster.Database, "db", "status");
        Assert.True(code == 0, cli);
        Assert.Contains($"primary: {standby}", cli, StringComparison.Ordinal);
        Assert.Contains("replica", cli, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analytics_read_a_standby_and_fall_back_to_the_primary_when_no_standby_is_left()
    {
        await using var cluster = await FaultCluster.StartAsync("replica_lost", 1, server: "postgres-replicated");
        using var http = ClusterApi.Client(cluster);
        var session = await ClusterApi.NewSessionAsync(http);
        for (var i = 0; i < 5; i++)
        {
            var body = $$"""{"session_id":"{{session}}","model_id":"fallback-model","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow:O}}","latency_ms":100,"input_tokens":10,"status":"success"}""";
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/v1/model-requests", ClusterApi.Json(body))).StatusCode);
        }
        async Task<long> RequestsAsync()
        {
            using var response = await http.GetAsync("/v1/analytics/models");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            var models = JsonNode.Parse(text)!["models"]!.AsArray();
            return models.Where(m => m!["model_id"]!.GetValue<string>() == "fallback-model").Select(m => m!["requests"]!.GetValue<long>()).FirstOrDefault();
        }
        // A standby answers (it may lag by its replay delay, so wait until it has the five).
        Assert.Equal(5, await Eventually.Until(RequestsAsync, n => n == 5, TimeSpan.FromSeconds(30), what: "the analytics read showing the five requests"));

        await cluster.Postgres.RunVerbAsync("stop-replica");
        Assert.Equal(5, await RequestsAsync()); // the synchronous standby still serves reads
        await cluster.Postgres.RunVerbAsync("stop-standby");
        Assert.Equal(5, await RequestsAsync()); // no standby left: the primary answers
        await using var sources = new LatticeLock.Storage.PostgresDataSources(cluster.Database);
        await using var count = sources.Primary.CreateCommand("SELECT count(*) FROM model_requests WHERE model_id = 'fallback-model'");
        Assert.Equal(5L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static async Task<JsonNode> ReadyAsync(HttpClient http, Uri silo)
    {
        var health = JsonNode.Parse(await http.GetStringAsync(new Uri(silo, "/health/ready")))!;
        return health["checks"]!["ready"]!["data"]!;
    }

    /// <summary>The primary's, the synchronous standby's and the replica's host:port, in the order the script lists them.</summary>
    private static (string Primary, string Standby, string Replica) Hosts(FaultCluster cluster)
    {
        var hosts = new NpgsqlConnectionStringBuilder(cluster.Database).Host!.Split(',');
        return (hosts[0], hosts[1], hosts[2]);
    }
}
