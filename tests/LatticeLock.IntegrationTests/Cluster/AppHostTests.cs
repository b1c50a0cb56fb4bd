using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using LatticeLock.Tls;
using Npgsql;
using Xunit.Abstractions;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The AppHost started with Aspire.Hosting.Testing (processes mode: its own PostgreSQL and redis-server): two silos
/// become healthy members of one cluster; the API answers through each; the typed client with the run's certificate
/// calls a grain. Then one silo is killed (SIGKILL) while 32 writers record model requests through both: writes go on
/// through the survivor and every acknowledged request id is stored exactly once. Stopping leaves no process behind.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AppHostTests(ITestOutputHelper output)
{
    private const int Writers = 32;

    [Fact]
    public async Task Two_silos_serve_one_cluster_and_a_killed_silo_loses_no_acknowledged_request_while_32_writers_go_on()
    {
        var clusterId = "apphost-" + Guid.NewGuid().ToString("N")[..6];
        var certificates = Directory.CreateTempSubdirectory("latticelock-apphost-test-").FullName;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.LatticeLock_AppHost>(
            ["--Silos=2", $"--ClusterId={clusterId}", $"--Certificates={certificates}"]);
        var ports = new List<int>();
        try
        {
            await using (var app = await builder.BuildAsync())
            {
                using var starting = new CancellationTokenSource(TimeSpan.FromMinutes(4));
                await app.StartAsync(starting.Token);
                await app.ResourceNotifications.WaitForResourceHealthyAsync("silo-1", starting.Token);
                await app.ResourceNotifications.WaitForResourceHealthyAsync("silo-2", starting.Token);
                var silos = new[] { app.GetEndpoint("silo-1", "http"), app.GetEndpoint("silo-2", "http") };
                var postgres = (await app.GetConnectionStringAsync("postgres", starting.Token))!;
                var redis = (await app.GetConnectionStringAsync("redis", starting.Token))!;
                ports.AddRange(silos.Select(s => s.Port));
                ports.Add(new NpgsqlConnectionStringBuilder(postgres).Port);
                ports.Add(int.Parse(redis.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));

                var (exit, cli) = await BuiltProgram.RunCliAsync(postgres, "keys", "create", "--admin");
                Assert.True(exit == 0, cli);
                var adminKey = cli.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("ll_", StringComparison.Ordinal));
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);

                // One cluster: both silos active, an entity created through one is read through the other and the typed client.
                foreach (var silo in silos)
                    Assert.Contains("\"silo_status\":\"Active\"", await http.GetStringAsync(new Uri(silo, "/health/ready")));
                var userId = await CreateAsync(http, new Uri(silos[0], "/v1/users"), """{"email":"apphost@example.com","name":"AppHost"}""");
                Assert.Contains("apphost@example.com", await http.GetStringAsync(new Uri(silos[1], $"/v1/users/{userId}")));
                // The Orleans ports Aspire gave each silo listen on loopback only.
                foreach (var pid in SiloProcesses(clusterId, null).Where(IsSiloApplication))
                {
                    var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
                    foreach (var setting in new[] { "Orleans__Endpoints__SiloPort=", "Orleans__Endpoints__GatewayPort=" })
                    {
                        var port = int.Parse(environment.Single(e => e.StartsWith(setting, StringComparison.Ordinal))[setting.Length..], System.Globalization.CultureInfo.InvariantCulture);
                        Assert.Equal(["0100007F"], LoopbackPorts.ListeningAddresses(port));
                    }
                }
                Assert.Equal(2, SiloProcesses(clusterId, null).Count(IsSiloApplication));
                var client = new ClusterTlsSettings(Path.Combine(certificates, "client.pem"), Path.Combine(certificates, "client.key"), Path.Combine(certificates, "ca.pem"));
                Assert.Equal("AppHost", await ClusterClients.GetUserNameAsync(redis, clusterId, userId, client, adminKey));

                // 32 writers, each with its own session, recording through both silos; silo-2 is killed mid-run.
                var sessions = new Guid[Writers];
                for (var i = 0; i < Writers; i++)
                    sessions[i] = await CreateAsync(http, new Uri(silos[i % 2], "/v1/sessions"), $$"""{"user_id":"{{userId}}"}""");
                var acknowledged = new ConcurrentBag<(Guid Id, bool AfterKill, int Writer)>();
                var refused = new ConcurrentBag<string>();
                var killed = false;
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, Writers).Select(i => Task.Run(() => WriteAsync(http, silos, i, sessions[i], () => Volatile.Read(ref killed), acknowledged, refused, stop.Token))).ToArray();

                Assert.True(await Eventually.Until(() => Task.FromResult(acknowledged.Count), n => n >= 500, TimeSpan.FromMinutes(2)) >= 500);
                var silo2 = SiloProcesses(clusterId, "silo-2");
                Assert.NotEmpty(silo2);
                foreach (var pid in silo2) Process.GetProcessById(pid).Kill();
                Volatile.Write(ref killed, true);
                var sinceKill = Stopwatch.StartNew();
                // Writes go on through the survivor: at least 500 more acknowledgements after the kill, and every writer
                // gets some, including those whose session grain lived on the killed silo (re-activated on the survivor).
                var afterKill = await Eventually.Until(() => Task.FromResult(acknowledged.Where(a => a.AfterKill).ToList()),
                    after => after.Count >= 500 && after.Select(a => a.Writer).Distinct().Count() == Writers, TimeSpan.FromMinutes(3));
                Assert.True(afterKill.Count >= 500);
                Assert.Equal(Writers, afterKill.Select(a => a.Writer).Distinct().Count());
                output.WriteLine($"{acknowledged.Count(a => !a.AfterKill)} acknowledged before the kill, 500 more and some for each of the {Writers} writers through the survivor {sinceKill.Elapsed.TotalSeconds:F1} s after it");
                await stop.CancelAsync();
                await Task.WhenAll(writers);
                Assert.Empty(refused);

                // Every acknowledged id is stored, once.
                var ids = acknowledged.Select(a => a.Id).Distinct().ToArray();
                await using var connection = new NpgsqlConnection(postgres);
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand("select count(*), count(distinct id) from model_requests where id = any(@ids)", connection);
                count.Parameters.AddWithValue("ids", ids);
                await using var reader = await count.ExecuteReaderAsync();
                await reader.ReadAsync();
                Assert.Equal(ids.Length, reader.GetInt64(0));
                Assert.Equal(ids.Length, reader.GetInt64(1));

                await app.StopAsync();
            }
            // Stopped and disposed: nothing of this run is left running or listening.
            Assert.Empty(await Eventually.Until(() => Task.FromResult(ports.Where(LoopbackPorts.Listening).ToList()), open => open.Count == 0, TimeSpan.FromSeconds(60)));
            Assert.Empty(await Eventually.Until(() => Task.FromResult(SiloProcesses(clusterId, null)), left => left.Count == 0, TimeSpan.FromSeconds(60)));
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
        }
    }

    /// <summary>
    /// One writer: model requests with client ids, one at a time, through its own silo first. A request that fails
    /// (connection refused, 503) is retried with the same id on the other silo until it is acknowledged.
    /// </summary>
    private static async Task WriteAsync(HttpClient http, Uri[] silos, int writer, Guid session, Func<bool> killed,
        ConcurrentBag<(Guid, bool, int)> acknowledged, ConcurrentBag<string> refused, CancellationToken stop)
    {
        var silo = writer % 2;
        while (!stop.IsCancellationRequested)
        {
            var id = Guid.NewGuid();
            var body = $$"""{"id":"{{id}}","session_id":"{{session}}","model_id":"gpt-4o","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow:O}}","input_tokens":10,"output_tokens":5,"input_cost_usd":0.0001,"output_cost_usd":0.0002,"status":"success"}""";
            while (true)
            {
                try
                {
                    using var response = await http.PostAsync(new Uri(silos[silo], "/v1/model-requests"), new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        acknowledged.Add((id, killed(), writer));
                        break;
                    }
                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        refused.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // the silo is gone
                }
                catch (TaskCanceledException)
                {
                    // no answer in time: the request may or may not have committed; the retry with the same id says which
                }
                silo = 1 - silo;
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    private static async Task<Guid> CreateAsync(HttpClient http, Uri uri, string body)
    {
        using var response = await http.PostAsync(uri, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{uri}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>The silo itself, not the <c>dotnet run</c> that started it.</summary>
    private static bool IsSiloApplication(int pid) =>
        File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0].EndsWith("/LatticeLock.Silo", StringComparison.Ordinal);

    /// <summary>Silo processes of this cluster (the application, and the <c>dotnet run</c> that started it), optionally of one resource.</summary>
    private static List<int> SiloProcesses(string clusterId, string? resource)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "stat")).Split(' ')[2] == "Z") continue;
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (!environ.Contains($"Orleans__ClusterId={clusterId}\0", StringComparison.Ordinal)) continue;
                if (resource is not null && !environ.Contains($"OTEL_SERVICE_NAME={resource}\0", StringComparison.Ordinal)) continue;
                found.Add(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }
        return found;
    }
}
