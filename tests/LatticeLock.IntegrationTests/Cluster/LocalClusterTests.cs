using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using LatticeLock.Tls;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// ./run.sh as a user runs it: the Aspire AppHost (no container engine needed), with PostgreSQL and
/// redis-server as processes, the migration, two silos, the dashboard. Its terminal lines give working URLs and an admin
/// key; both silos serve the API and the Orleans Dashboard and form one cluster the typed client reaches with the run's
/// client certificate; Ctrl-C leaves nothing listening and no process behind.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class LocalClusterTests
{
    [Fact]
    public async Task The_apphost_runs_two_silos_that_serve_the_api_and_one_cluster_and_stops_everything_on_ctrl_c()
    {
        // ./run.sh execs the AppHost after an (incremental) build, so this process is the AppHost a user stops with Ctrl-C.
        var start = new ProcessStartInfo(Path.Combine(LocalServer.RepositoryRoot(), "run.sh"), ["--silos", "2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = LocalServer.RepositoryRoot(),
        };
        // The dashboard's telemetry API (GET /api/telemetry/spans) answers requests carrying this key.
        var dashboardKey = Guid.NewGuid().ToString("N");
        start.Environment["AppHost__DashboardApiKey"] = dashboardKey;
        start.Environment.Remove("ConnectionStrings__postgres");
        start.Environment.Remove("ConnectionStrings__redis");
        using var apphost = Process.Start(start)!;
        var lines = new Dictionary<string, string>();
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        apphost.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            var colon = e.Data.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0) lock (lines) lines[e.Data[..colon]] = e.Data[(colon + 2)..];
            if (e.Data == "ready") ready.TrySetResult();
        };
        apphost.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        apphost.BeginOutputReadLine();
        apphost.BeginErrorReadLine();
        var ports = new List<int>();
        string? cluster = null;
        try
        {
            var finished = await Task.WhenAny(ready.Task, apphost.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(4)));
            Assert.True(ready.Task.IsCompleted, $"the AppHost never printed 'ready':\n{output}");
            Assert.StartsWith("http://127.0.0.1:", lines["dashboard"]);
            var silo1 = new Uri(lines["api silo-1"]);
            var silo2 = new Uri(lines["api silo-2"]);
            var adminKey = lines["admin key"];
            Assert.StartsWith("ll_", adminKey);
            cluster = lines["cluster"];
            ports.AddRange([silo1.Port, silo2.Port, new Npgsql.NpgsqlConnectionStringBuilder(lines["postgres"]).Port, int.Parse(lines["redis"].Split(':')[1])]);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            foreach (var silo in new[] { silo1, silo2 })
                Assert.Contains("\"silo_status\":\"Active\"", await http.GetStringAsync(new Uri(silo, "/health/ready")));
            using var created = await http.PostAsync(new Uri(silo1, "/v1/users"), new StringContent("""{"email":"cluster@example.com","name":"Cluster"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var userId = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            Assert.Contains("cluster@example.com", await http.GetStringAsync(new Uri(silo2, $"/v1/users/{userId}")));

            // A model request made over HTTP shows in the Aspire dashboard as one trace: gateway → grain call → log commit.
            var sessionId = System.Text.Json.JsonDocument.Parse(await (await http.PostAsync(new Uri(silo1, "/v1/sessions"), new StringContent($$"""{"user_id":"{{userId}}"}""", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            // The caller starts the trace (W3C traceparent), as an instrumented orchestrator does, so the test asks the
            // dashboard for that trace by id rather than searching the silo's most recent spans (the API returns 200 by
            // default, and a slow start-up can fill them with other work).
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            using var record = new HttpRequestMessage(HttpMethod.Post, new Uri(silo1, "/v1/model-requests"))
            {
                Content = new StringContent($$"""{"session_id":"{{sessionId}}","model_id":"gpt-4o","provider":"openai","requested_at":"2026-12-01T10:00:00Z","input_tokens":10,"status":"success"}""", Encoding.UTF8, "application/json"),
            };
            record.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var recorded = await http.SendAsync(record);
            Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
            var dashboardBase = new Uri(lines["dashboard"]).GetLeftPart(UriPartial.Authority);
            var trace = await Eventually.Until(() => DashboardTraceAsync(dashboardBase, dashboardKey, traceId),
                spans => spans.Contains("POST /v1/model-requests") && spans.Contains("ISessionGrain/RecordModelRequest")
                    && spans.Contains("commit model requests") && spans.Contains("COPY FROM"), TimeSpan.FromSeconds(90));
            Assert.Contains("POST /v1/model-requests", trace);
            Assert.Contains("ISessionGrain/RecordModelRequest", trace);
            Assert.Contains("commit model requests", trace);
            Assert.Contains("COPY FROM", trace);

            // Each silo serves the Orleans Dashboard (loopback callers only).
            foreach (var silo in new[] { "silo-1", "silo-2" })
                Assert.Contains("<title>Orleans Dashboard</title>", await http.GetStringAsync(lines[$"orleans dashboard {silo}"]));

            // The typed client joins the same cluster through Redis with the run's client certificate and calls a grain.
            var certificates = lines["certificates"];
            var name = await ClusterClients.GetUserNameAsync(lines["redis"], cluster, userId,
                new ClusterTlsSettings(Path.Combine(certificates, "client.pem"), Path.Combine(certificates, "client.key"), Path.Combine(certificates, "ca.pem")), adminKey);
            Assert.Equal("Cluster", name);

            // Without a certificate, or with one from another CA, a client reaches no grain.
            Assert.NotNull(await ClusterClients.RefusalOfAsync(lines["redis"], cluster, userId, tls: null, adminKey));
            var foreign = Directory.CreateTempSubdirectory("latticelock-foreign-ca-").FullName;
            try
            {
                Assert.NotNull(await ClusterClients.RefusalOfAsync(lines["redis"], cluster, userId, ClusterClients.ForeignCertificate(foreign), adminKey));
            }
            finally
            {
                Directory.Delete(foreign, recursive: true);
            }
        }
        finally
        {
            // Ctrl-C, as a user stops ./run.sh.
            if (!apphost.HasExited) using (var interrupt = Process.Start("kill", ["-INT", apphost.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await interrupt.WaitForExitAsync();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await apphost.WaitForExitAsync(patience.Token); }
            catch (OperationCanceledException) { apphost.Kill(entireProcessTree: true); }
        }
        // What the terminal showed: the build project by project, no certificate warning (nothing serves HTTPS), and
        // the stop announced and confirmed.
        var terminal = output.ToString();
        Assert.Contains("  built LatticeLock.Silo", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("Build succeeded", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("development certificate", terminal, StringComparison.Ordinal);
        var shown = terminal.Split('\n').Select(l => l.Trim()).ToList();
        Assert.InRange(shown.IndexOf("stopping…"), shown.IndexOf("ready") + 1, shown.LastIndexOf("stopped") - 1);
        // Nothing the AppHost started is left: no port listening, no silo process of this cluster, no PostgreSQL or
        // redis-server on its ports.
        Assert.Empty(await Eventually.Until(() => Task.FromResult(ports.Where(LoopbackPorts.Listening).ToList()), open => open.Count == 0, TimeSpan.FromSeconds(60)));
        Assert.NotNull(cluster);
        Assert.Empty(await Eventually.Until(() => Task.FromResult(Leftovers(cluster, ports)), left => left.Count == 0, TimeSpan.FromSeconds(90)));
    }

    /// <summary>
    /// The names of the spans of trace <paramref name="traceId"/> as the Aspire dashboard's telemetry API returns them
    /// (OTLP JSON, every resource); empty until the trace has arrived.
    /// </summary>
    private static async Task<HashSet<string>> DashboardTraceAsync(string dashboard, string key, string traceId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{dashboard}/api/telemetry/spans?traceId={traceId}&limit=1000");
        request.Headers.Add("x-api-key", key);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) return [];
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var names = new HashSet<string>();
        foreach (var resource in json.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                    if (span.GetProperty("traceId").GetString() == traceId) names.Add(span.GetProperty("name").GetString()!);
        return names;
    }

    /// <summary>Processes still alive that this run started: silos of its cluster, servers on its ports.</summary>
    private static List<string> Leftovers(string cluster, List<int> ports)
    {
        var left = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "stat")).Split(' ')[2] == "Z") continue; // exited, not yet reaped
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Contains($"Orleans__ClusterId={cluster}\0", StringComparison.Ordinal)
                    || ports.Any(p => cmdline.Contains($"-p {p} ", StringComparison.Ordinal) || cmdline.Contains($":{p}", StringComparison.Ordinal)))
                    left.Add($"{Path.GetFileName(dir)}: {cmdline}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return left;
    }


}
