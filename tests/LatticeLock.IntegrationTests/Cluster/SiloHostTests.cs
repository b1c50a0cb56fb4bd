using System.Net;
using LatticeLock.Storage.Migrations;
using Npgsql;

namespace LatticeLock.IntegrationTests;

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

    [Theory]
    [InlineData(null, "0100007F")]     // the default: loopback only
    [InlineData("0.0.0.0", "00000000")] // a multi-host cluster opts in, with mutual TLS
    public async Task Orleans_ports_listen_on_loopback_unless_configured_otherwise(string? listenAddress, string expectedHexAddress)
    {
        var database = await servers.CreateDatabaseAsync();
        var ports = LoopbackPorts.Distinct(2);
        var (siloPort, gatewayPort) = (ports[0], ports[1]);
        var certificates = Directory.CreateTempSubdirectory("ll-host-tls-").FullName;
        using (var ca = LatticeLock.Tls.DevelopmentCertificateAuthority.Create("silo host test")) ca.WriteTo(certificates, ["silo"]);
        await using var silo = SiloProcess.Start(new()
        {
            ["ConnectionStrings__postgres"] = database,
            ["LatticeLock__Silo__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LatticeLock__Silo__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LatticeLock__Silo__ListenAddress"] = listenAddress,
            ["LatticeLock__Tls__Certificate"] = listenAddress is null ? null : Path.Combine(certificates, "silo.pem"),
            ["LatticeLock__Tls__Key"] = listenAddress is null ? null : Path.Combine(certificates, "silo.key"),
            ["LatticeLock__Tls__CertificateAuthority"] = listenAddress is null ? null : Path.Combine(certificates, "ca.pem"),
        });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));

        Assert.Equal(expectedHexAddress, Assert.Single(LoopbackPorts.ListeningAddresses(siloPort)));
        Assert.Equal(expectedHexAddress, Assert.Single(LoopbackPorts.ListeningAddresses(gatewayPort)));
    }


    [Fact]
    public async Task Orleans_ports_on_a_network_interface_without_mutual_tls_stop_start_up_naming_the_settings()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var silo = SiloProcess.Start(new() { ["ConnectionStrings__postgres"] = database, ["LatticeLock__Silo__ListenAddress"] = "0.0.0.0" });
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)), "a silo listening on 0.0.0.0 without TLS kept running");
        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("would listen on 0.0.0.0 without mutual TLS", silo.Output);
        Assert.Contains("LatticeLock:Tls:Certificate", silo.Output);
        Assert.Contains("LatticeLock:Silo:ListenAddress", silo.Output);
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
}
