using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

// The local cluster in one command (see README "Local cluster"): PostgreSQL and redis-server as processes (no container
// engine needed), the schema migration the silos wait for, N silos on Redis clustering, and the Aspire dashboard that
// receives every silo's OpenTelemetry. Settings: Silos (default 2).
var builder = DistributedApplication.CreateBuilder(args);
var root = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
var silos = int.TryParse(builder.Configuration["Silos"], out var n) && n is >= 1 and <= 9 ? n : 2;

var postgresPort = FreePort();
var redisPort = FreePort();
var postgresConnection = $"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database=lattice";
var redisConnection = $"127.0.0.1:{redisPort}";

builder.Services.AddHealthChecks()
    .AddAsyncCheck("postgres-accepts-connections", async ct =>
    {
        try
        {
            await using var connection = new NpgsqlConnection(postgresConnection + ";Timeout=2");
            await connection.OpenAsync(ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    })
    .AddAsyncCheck("redis-accepts-connections", async ct =>
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, redisPort, ct);
            return HealthCheckResult.Healthy();
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    });

var postgres = builder.AddExecutable("postgres", Path.Combine(root, "infrastructure/local/postgres-foreground.sh"), root,
        postgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "lattice")
    .WithHealthCheck("postgres-accepts-connections");
var redis = builder.AddExecutable("redis", "redis-server", root,
        "--port", redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
    .WithHealthCheck("redis-accepts-connections");

var migrate = builder.AddExecutable("migrate", "dotnet", root, Path.Combine(root, "src/LatticeLock.Cli/bin", Configuration(), "net10.0/lattice.dll"), "migrate", "up")
    .WithEnvironment("ConnectionStrings__postgres", postgresConnection)
    .WaitFor(postgres);

var clusterId = "local-" + Guid.NewGuid().ToString("N")[..6];
var report = new LocalClusterReport(silos, postgresConnection, root, Configuration());
for (var i = 1; i <= silos; i++)
{
    var name = $"silo-{i}";
    var httpPort = FreePort();
    builder.AddProject<Projects.LatticeLock_Silo>(name, launchProfileName: null)
        .WithHttpEndpoint(port: httpPort, isProxied: false, name: "http")
        .WithEnvironment("ConnectionStrings__postgres", postgresConnection)
        .WithEnvironment("ConnectionStrings__redis", redisConnection)
        .WithEnvironment("LatticeLock__Silo__ClusterId", clusterId)
        .WithEnvironment("LatticeLock__Silo__SiloPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WithEnvironment("LatticeLock__Silo__GatewayPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WithHttpHealthCheck("/health/ready")
        .WaitFor(redis)
        .WaitForCompletion(migrate)
        .OnResourceReady((_, _, ct) => report.SiloReadyAsync(name, $"http://127.0.0.1:{httpPort}", ct));
}
var dashboard = builder.Configuration["ASPNETCORE_URLS"]?.Split(';')[0];
var token = builder.Configuration["AppHost:BrowserToken"];
if (dashboard is not null) Console.WriteLine(token is null ? $"dashboard: {dashboard}" : $"dashboard: {dashboard}/login?t={token}");
Console.WriteLine($"cluster: {clusterId}");
Console.WriteLine($"postgres: {postgresConnection}");
Console.WriteLine($"redis: {redisConnection}");

builder.Build().Run();

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string Configuration() =>
#if DEBUG
    "Debug";
#else
    "Release";
#endif
