using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// ./run.sh --single, the direct one-silo start: two runs at once each get their own PostgreSQL and ports and both
/// serve requests; Ctrl-C stops each run's silo and server without touching the other's.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed partial class RunSingleTests
{
    [Fact]
    public async Task Two_single_runs_are_isolated_and_ctrl_c_stops_each_without_touching_the_other()
    {
        await using var first = await SingleRun.StartAsync();
        await using var second = await SingleRun.StartAsync();
        Assert.NotEqual(first.PostgresPort, second.PostgresPort);
        Assert.NotEqual(first.Api.Port, second.Api.Port);

        foreach (var run in new[] { first, second })
        {
            var (code, output) = await BuiltProgram.RunCliAsync(run.Postgres, "keys", "create", "--admin");
            Assert.True(code == 0, output);
            var key = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
            using var http = new HttpClient { BaseAddress = run.Api };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var created = await http.PostAsync("/v1/users", new StringContent("""{"email":"single@example.com"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode); // the same email in both: two separate databases
        }

        await first.InterruptAsync();
        var firstStillOpen = await Eventually.Until(() => Task.FromResult(LoopbackPorts.Listening(first.PostgresPort) || LoopbackPorts.Listening(first.Api.Port)),
            open => !open, TimeSpan.FromSeconds(60), what: "the first run's PostgreSQL and API ports closed after Ctrl-C");
        Assert.False(firstStillOpen, "the first run left its PostgreSQL or API port listening");
        // The second run is untouched by the first one's exit.
        using var probe = new HttpClient { BaseAddress = second.Api };
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);
        await second.InterruptAsync();
        var secondStillOpen = await Eventually.Until(() => Task.FromResult(LoopbackPorts.Listening(second.PostgresPort) || LoopbackPorts.Listening(second.Api.Port)),
            open => !open, TimeSpan.FromSeconds(60), what: "the second run's PostgreSQL and API ports closed after Ctrl-C");
        Assert.False(secondStillOpen, "the second run left its PostgreSQL or API port listening");
    }


    [GeneratedRegex(@"^Silo HTTP: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex SiloLine();

    [GeneratedRegex(@"^PostgreSQL: (Host=.*)$")]
    private static partial Regex PostgresLine();

    private sealed class SingleRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private SingleRun(Process process) => _process = process;

        public Uri Api { get; private set; } = null!;
        public string Postgres { get; private set; } = "";
        public int PostgresPort => new Npgsql.NpgsqlConnectionStringBuilder(Postgres).Port;

        public static async Task<SingleRun> StartAsync()
        {
            var start = new ProcessStartInfo(Path.Combine(LocalServer.RepositoryRoot(), "run.sh"), ["--single"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = LocalServer.RepositoryRoot(),
            };
            start.Environment.Remove("ConnectionStrings__postgres");
            start.Environment.Remove("LL_STATE_DIR");
            var run = new SingleRun(Process.Start(start)!);
            var api = new TaskCompletionSource<(string Url, string Postgres)>(TaskCreationOptions.RunContinuationsAsynchronously);
            string? postgres = null;
            run._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (run._output) run._output.AppendLine(e.Data);
                if (PostgresLine().Match(e.Data) is { Success: true } p) postgres = p.Groups[1].Value;
                if (SiloLine().Match(e.Data) is { Success: true } s && postgres is not null) api.TrySetResult((s.Groups[1].Value, postgres));
            };
            run._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.AppendLine(e.Data); };
            run._process.BeginOutputReadLine();
            run._process.BeginErrorReadLine();
            await Task.WhenAny(api.Task, run._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            if (!api.Task.IsCompleted)
            {
                await run.DisposeAsync();
                throw new InvalidOperationException($"run.sh --single printed no silo URL:\n{run._output}");
            }
            (var url, run.Postgres) = api.Task.Result;
            run.Api = new Uri(url);
            using var http = new HttpClient { BaseAddress = run.Api, Timeout = TimeSpan.FromSeconds(5) };
            var ready = await Eventually.Until(async () =>
            {
                try { return (await http.GetAsync("/health/ready")).StatusCode; }
                catch (HttpRequestException) { return HttpStatusCode.ServiceUnavailable; }
            }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), what: "the single run's silo ready");
            Assert.Equal(HttpStatusCode.OK, ready);
            return run;
        }

        /// <summary>Ctrl-C to the script, then its exit.</summary>
        public async Task InterruptAsync()
        {
            if (_process.HasExited) return;
            using (var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await interrupt.WaitForExitAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(patience.Token);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                try { await InterruptAsync(); }
                catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
            }
            _process.Dispose();
        }
    }
}
