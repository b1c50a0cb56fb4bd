using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>
/// A silo asked to stop (SIGTERM) while its commits hang, because the synchronous standby is gone and nothing was
/// reconfigured (<c>SynchronousStandbyLoss=Block</c>), with commit and command timeouts of a minute and more: the
/// callers waiting on those commits are answered 503 after <c>ShutdownDrainTimeout</c>, not dropped, and the silo
/// exits by itself, within <c>LatticeLock:Silo:ShutdownTimeout</c> (the times are printed, not asserted).
/// </summary>
public sealed class BoundedShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_stopped_while_its_commits_hang_answers_the_waiting_callers_503_and_exits()
    {
        // Timeouts long enough that only the shutdown bounds the wait: commits would hang for a minute or two.
        await using var cluster = await FaultCluster.StartAsync("shutdown", 1, new()
        {
            ["LatticeLock__Commit__Timeout"] = "00:01:00",
            ["LatticeLock__Commit__ShutdownDrainTimeout"] = "00:00:03",
            ["LatticeLock__Silo__ShutdownTimeout"] = "00:00:15",
        }, server: "postgres-replicated", commandTimeoutSeconds: 120);
        using var http = ClusterApi.Client(cluster, timeout: TimeSpan.FromMinutes(3));
        var session = await ClusterApi.NewSessionAsync(http);

        await cluster.Postgres.RunVerbAsync("stop-standby");
        var waiting = Enumerable.Range(0, 8).Select(_ => http.PostAsync("/v1/model-requests", ClusterApi.Json(
            $$"""{"session_id":"{{session}}","model_id":"m","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow:O}}","input_tokens":1,"status":"success"}"""))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1)); // the commits are waiting for the standby
        var watch = Stopwatch.StartNew();
        cluster.Silos[0].Terminate();
        var statuses = new List<int>();
        foreach (var call in waiting)
        {
            try
            {
                using var response = await call;
                statuses.Add((int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
                statuses.Add(0); // the connection was dropped without an answer
            }
        }
        var answered = watch.Elapsed;
        var exited = await cluster.Silos[0].WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"callers answered {string.Join(", ", statuses)} {answered.TotalSeconds:0.0} s after SIGTERM; silo exited: {exited} after {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.All(statuses, s => Assert.Equal(503, s));
        Assert.True(exited, "the silo did not exit within 2 minutes of SIGTERM:\n" + cluster.Silos[0].Output[^4000..]);
        // 0: the stop finished; ShutdownWatchdog.ForcedExitCode: it still hung after ShutdownTimeout and was cut short.
        Assert.Contains(cluster.Silos[0].ExitCode, new[] { 0, LatticeLock.Silo.Hosting.ShutdownWatchdog.ForcedExitCode });
        output.WriteLine($"exit code {cluster.Silos[0].ExitCode}");
    }
}
