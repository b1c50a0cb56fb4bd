using System.Globalization;
using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>
/// The loss of the PostgreSQL primary, on real servers: a primary, a synchronous standby and an asynchronous read
/// replica (<c>infrastructure/local/postgres-replicated.sh</c>), two silo processes whose one connection string lists
/// all three, and <see cref="FaultInjectionTests.Writers"/> HTTP writers. Mid-run the primary's postmaster is killed
/// (SIGKILL) and the standby promoted; the silos find the new primary through Npgsql's multi-host support, with no
/// restart. Everything acknowledged must be on the new primary exactly once, session totals equal to its rows.
/// </summary>
public sealed class PrimaryFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_primary_and_promoting_the_synchronous_standby_loses_nothing_acknowledged()
    {
        await using var cluster = await FaultCluster.StartAsync("failover", 2, server: "postgres-replicated");
        var load = await WriterLoad.PrepareAsync(cluster.Endpoints, cluster.AdminKey, FaultInjectionTests.Writers);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var killedAt = load.Now;
        await cluster.Postgres.RunVerbAsync("kill-primary");
        await Task.Delay(TimeSpan.FromSeconds(1)); // an operator's (or a script's) reaction time, kept short
        await cluster.Postgres.RunVerbAsync("promote");
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
    }
}
