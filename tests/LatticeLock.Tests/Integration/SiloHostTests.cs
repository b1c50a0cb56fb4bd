using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LatticeLock.Storage.Migrations;
using Npgsql;

namespace LatticeLock.Tests.Integration;

/// <summary>The real silo executable, configured only through environment variables, as ./run.sh starts it.</summary>
[Collection(ServersCollection.Name)]
public sealed class SiloHostTests(ServersFixture servers)
{
    [Fact]
    public async Task A_postgres_connection_string_alone_runs_a_silo_that_becomes_ready()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };

        var ready = await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        Assert.Contains("\"status\":\"healthy\"", ready);
        Assert.Contains("\"silo_status\":\"Active\"", ready);
        Assert.Contains($"\"schema_version\":{MigrationCatalog.Head}", ready);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Contains("LatticeLock silo listening", silo.Output);
    }

    [Fact]
    public async Task A_silo_on_an_unmigrated_database_is_live_but_not_ready()
    {
        var database = await servers.CreateDatabaseAsync(migrate: false);
        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            await new MigrationRunner(dataSource).UpAsync(target: 1); // Orleans tables only: the silo can run, but the schema is behind
        }
        await using var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };

        await silo.WaitForAsync(http, "/health/live", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        var notReady = await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
        Assert.Contains("lattice migrate up", notReady);
    }

    [Theory]
    [InlineData(null, "ConnectionStrings__postgres is not set")]
    [InlineData("Hots=nowhere", "ConnectionStrings__postgres is not a valid PostgreSQL connection string")]
    public async Task A_missing_or_malformed_database_setting_stops_start_up_naming_the_setting(string? value, string expected)
    {
        var env = new Dictionary<string, string?> { ["ConnectionStrings__postgres"] = value };
        await using var silo = SiloProcess.Start(env);
        var exited = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exited, "the silo kept running without a database");
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains(expected, silo.Output);
    }

    [Fact]
    public async Task A_bad_port_setting_stops_start_up_naming_the_setting()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, ["LatticeLock__Silo__GatewayPort"] = "99999" });
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("LatticeLock:Silo:GatewayPort", silo.Output);
    }

    private sealed class SiloProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private SiloProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
            process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Uri BaseAddress { get; }
        public int ExitCode => _process.ExitCode;
        public string Output { get { lock (_output) return _output.ToString(); } }

        public static SiloProcess Start(Dictionary<string, string?> environment)
        {
            var dll = BuiltProgram.PathOf("LatticeLock.Silo", "LatticeLock.Silo.dll");
            var url = $"http://127.0.0.1:{FreePort()}";
            var start = new ProcessStartInfo("dotnet", [dll])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment.Remove("ConnectionStrings__postgres");
            start.Environment.Remove("ConnectionStrings__redis");
            start.Environment["ASPNETCORE_URLS"] = url;
            start.Environment["LatticeLock__Silo__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["LatticeLock__Silo__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["LatticeLock__Silo__ClusterId"] = "host-" + Guid.NewGuid().ToString("N")[..8];
            foreach (var (key, value) in environment)
            {
                if (value is null) start.Environment.Remove(key);
                else start.Environment[key] = value;
            }
            return new SiloProcess(Process.Start(start)!, new Uri(url));
        }

        public async Task<string> WaitForAsync(HttpClient http, string path, HttpStatusCode expected, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            string last = "";
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited) throw new InvalidOperationException($"silo exited with {_process.ExitCode}:\n{Output}");
                try
                {
                    using var response = await http.GetAsync(path);
                    last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    if (response.StatusCode == expected) return await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException e)
                {
                    last = e.Message;
                }
                await Task.Delay(250);
            }
            throw new TimeoutException($"{path} never answered {(int)expected}; last: {last}\n{Output}");
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try { await _process.WaitForExitAsync(cts.Token); return true; }
            catch (OperationCanceledException) { return false; }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
