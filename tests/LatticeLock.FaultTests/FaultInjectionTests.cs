using System.Globalization;
using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>
/// Each test runs <see cref="Writers"/> HTTP writers against two silo processes, breaks something mid-load, lets the
/// load run on, and then checks that every acknowledged request and turn is stored exactly once, that session totals
/// equal their rows, that nothing but 2xx, 429 and 503 was answered, and that every writer was served again without
/// restarting anything. The longest wait a call saw is printed (a benchmark figure, never asserted).
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    public const int Writers = 64;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AfterFault = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_silo_killed_with_sigkill_loses_nothing_acknowledged_and_the_survivor_serves_every_writer()
    {
        await using var cluster = await FaultCluster.StartAsync("kill_silo", 2);
        var (load, faultAt, result) = await RunAsync(cluster, "kill -9 silo 1", async () =>
        {
            var killing = System.Diagnostics.Stopwatch.StartNew();
            await cluster.KillSiloAsync(0);
            output.WriteLine($"the killed process was gone (its sockets closed) {killing.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s after SIGKILL");
            return 0;
        });
        await StoredLoad.AssertExactlyOnceAsync(cluster, load, result, cluster.Endpoints[1]);
        Assert.Equal(Writers, result.WritersAcknowledgedAfter(faultAt + 1));
        await cluster.WaitForActiveSilosAsync(1, TimeSpan.FromSeconds(60)); // the dead silo was voted out
    }

    /// <summary>
    /// The other side of fast crash detection on one machine (probes every 0.25–0.5 s, two missed): a live silo that
    /// stops answering for longer than that, under load, must not be voted out. Its open connection carried traffic
    /// moments before, which suppresses the vote.
    /// </summary>
    [Fact]
    public async Task A_silo_frozen_with_sigstop_for_two_seconds_under_load_is_not_voted_out_and_loses_nothing()
    {
        await using var cluster = await FaultCluster.StartAsync("freeze_silo", 2);
        var (load, faultAt, result) = await RunAsync(cluster, "SIGSTOP silo 1 for 2 s", async () =>
        {
            cluster.Silos[0].Freeze();
            try { await Task.Delay(TimeSpan.FromSeconds(2)); }
            finally { cluster.Silos[0].Thaw(); }
            return 2;
        });
        await StoredLoad.AssertExactlyOnceAsync(cluster, load, result, cluster.Endpoints[1]);
        Assert.Equal(Writers, result.WritersAcknowledgedAfter(faultAt + 2));
        Assert.Equal(2, await cluster.ActiveSilosAsync());
        Assert.False(cluster.Silos[0].HasExited, "the frozen silo stopped itself (it was voted out)");
    }

    [Fact]
    public async Task PostgreSQL_restarted_with_immediate_shutdown_loses_nothing_acknowledged_and_the_silos_recover_by_themselves()
    {
        await using var cluster = await FaultCluster.StartAsync("restart_pg", 2);
        var (load, faultAt, result) = await RunAsync(cluster, "PostgreSQL -m immediate, back after 2 s", async () =>
        {
            await cluster.Postgres.HaltAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await cluster.Postgres.RestartAsync();
            return 2;
        });
        await StoredLoad.AssertExactlyOnceAsync(cluster, load, result, cluster.Endpoints[0]);
        Assert.Equal(Writers, result.WritersAcknowledgedAfter(faultAt + 2));
        Assert.Equal(2, await cluster.ActiveSilosAsync()); // nobody was voted out over a database outage
    }

    [Fact]
    public async Task PostgreSQL_frozen_for_ten_seconds_loses_nothing_acknowledged_and_the_silos_recover_by_themselves()
    {
        await using var cluster = await FaultCluster.StartAsync("pause_pg", 2);
        var (load, faultAt, result) = await RunAsync(cluster, "PostgreSQL SIGSTOP for 10 s", async () =>
        {
            await cluster.Postgres.PauseAsync();
            try { await Task.Delay(TimeSpan.FromSeconds(10)); }
            finally { await cluster.Postgres.ResumeAsync(); }
            return 10;
        });
        await StoredLoad.AssertExactlyOnceAsync(cluster, load, result, cluster.Endpoints[0]);
        Assert.Equal(Writers, result.WritersAcknowledgedAfter(faultAt + 10));
        Assert.Equal(2, await cluster.ActiveSilosAsync());
    }

    /// <summary>Warms the load up, injects the fault (which returns how many seconds it lasted), runs on, stops the load and reports.</summary>
    private async Task<(WriterLoad Load, double FaultAt, WriterLoadResult Result)> RunAsync(FaultCluster cluster, string fault, Func<Task<int>> inject)
    {
        var load = await WriterLoad.PrepareAsync(cluster.Endpoints, cluster.AdminKey, Writers);
        load.Start();
        await Task.Delay(Warmup);
        var faultAt = load.Now;
        var faultClock = DateTime.UtcNow;
        var lasted = await inject();
        await Task.Delay(AfterFault);
        var result = await load.StopAsync().WaitAsync(TimeSpan.FromMinutes(3));

        var waitsBefore = result.Deliveries.Where(d => d.Acknowledged < faultAt).Select(d => d.Seconds).Order().ToList();
        string F(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";
        string Relative(double seconds) => (seconds >= 0 ? "+" : "") + F(seconds);
        output.WriteLine($"fault: {fault}, injected at {F(faultAt)} ({faultClock:HH:mm:ss.fff} UTC) with {Writers} writers on {cluster.Silos.Count} silos");
        output.WriteLine($"| acknowledged requests | acknowledged turns | answers | refused (non-2xx) | connection failures | P99 wait before | P99 wait after | longest wait after |");
        output.WriteLine($"| {result.Requests.Count} | {result.Turns.Count} | {result.StatusLine} | {result.RefusedPercent:0.00} % | {result.ConnectionFailures} | " +
            $"{F(waitsBefore.Count == 0 ? double.NaN : waitsBefore[(int)Math.Ceiling(0.99 * waitsBefore.Count) - 1])} | {F(result.WaitPercentileAfter(faultAt, 99))} | {F(result.LongestWaitAfter(faultAt))} |");
        output.WriteLine($"longest wait beyond the fault's own {lasted} s: {F(result.LongestWaitAfter(faultAt) - lasted)}");
        foreach (var slow in result.AcknowledgedAfter(faultAt).TakeLast(3).Reverse())
            output.WriteLine($"slow: writer {slow.Writer} {slow.Kind} sent at fault{Relative(slow.Started - faultAt)}, acknowledged at fault{Relative(slow.Acknowledged - faultAt)} by silo {slow.Silo} after {slow.Attempts} send(s)");
        foreach (var surprise in result.Surprises.Take(20)) output.WriteLine("surprise: " + surprise);
        if (result.Surprises.Count > 0 || SiloLogs.KeepAlways) await SiloLogs.KeepAsync(cluster, output);
        return (load, faultAt, result);
    }
}
