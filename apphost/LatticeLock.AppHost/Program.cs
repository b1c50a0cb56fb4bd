using LatticeLock.AppHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using LatticeLock.Tls;

// The local cluster in one command (docs/operations.md, "Local cluster"): PostgreSQL and Redis (processes, containers or existing
// servers), the schema migration the silos wait for, an Orleans resource that configures N silos (clustering on
// Redis, reminders on PostgreSQL), mutual TLS between them from a throwaway development CA, the
// Orleans Dashboard on each silo, and the Aspire dashboard that receives every silo's OpenTelemetry.
// Settings: Silos (1-9, default 2), Servers (processes | containers | existing), Sinks (timestream,bigtable: their
// emulators as processes, dual-written next to PostgreSQL), ClusterId, Certificates, Replicas (true: a primary, a synchronous standby and a read replica).
//
//   postgres-server ─┐                        ┌─ silo-1 ─┐
//   redis-server ────┼─ migrate ─ orleans ────┼─ silo-2 ─┼─ aspire-dashboard (OpenTelemetry of every silo)
//   [emulators] ─────┘  (clustering: redis,   └─ silo-N ─┘
//                        reminders: postgres)
LocalClusterSettings settings;
var builder = DistributedApplication.CreateBuilder(args);
try
{
    settings = LocalClusterSettings.Read(builder.Configuration);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
// Nothing here serves HTTPS (the dashboard and the silos listen on plain HTTP on loopback; Orleans traffic uses this
// run's own CA), so Aspire's development certificate is never used and its "no trusted certificate" warning would
// only puzzle. Its DCP host warns about container runtimes too, which matter when containers run: kept then.
if (settings.Servers != ServerMode.Containers) builder.Services.AddLogging(logging => logging.AddFilter("Aspire.Hosting.Dcp.DcpHost", LogLevel.Error));
var root = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
var lattice = Path.Combine(root, "src/LatticeLock.Cli/bin", Configuration(), "net10.0/lattice.dll");

ClusterServers servers;
IReadOnlyList<CloudSinkEmulators.Emulator> emulators;
try
{
    servers = settings.Servers switch
    {
        ServerMode.Containers => ContainerServers.Add(builder),
        ServerMode.Existing => ExistingServers.Add(builder),
        _ => ProcessServers.Add(builder, root, settings.Replicas),
    };
    emulators = CloudSinkEmulators.Add(builder, settings.Sinks, root);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var migrate = builder.AddExecutable(ResourceNames.Migrate, "dotnet", root, lattice, "migrate", "up")
    .WithReference(servers.Postgres);
foreach (var server in servers.StartFirst) migrate.WaitFor(server);

// Silos and clients of this run trust only this CA: a process without a certificate it signed cannot call a grain.
var clusterId = settings.ClusterId;
var certificates = settings.Certificates ?? Path.Combine(Path.GetTempPath(), $"latticelock-{clusterId}-certificates");
using (var authority = DevelopmentCertificateAuthority.Create($"LatticeLock {clusterId} development CA"))
    authority.WriteTo(certificates, ["silo", "client"]);

var orleans = builder.AddOrleans(ResourceNames.Orleans)
    .WithClusterId(clusterId)
    .WithServiceId(ResourceNames.ServiceId)
    .WithClustering(new OrleansProvider("Redis", servers.Redis))
    .WithReminders(new OrleansProvider("AdoNet", servers.Postgres, ("Invariant", "Npgsql")));

var report = new LocalClusterReport(settings.Silos, servers.Postgres.Resource, lattice);
builder.Services.AddSingleton(report);
builder.Services.AddHostedService<ResourceProgress>();
SiloResources.Add(builder, settings, orleans, servers, migrate, emulators, certificates, report);

var dashboard = builder.Configuration["ASPNETCORE_URLS"]?.Split(';')[0];
var token = builder.Configuration["AppHost:BrowserToken"];
if (dashboard is not null) Console.WriteLine(token is null ? $"dashboard: {dashboard}" : $"dashboard: {dashboard}/login?t={token}");
Console.WriteLine($"cluster: {clusterId}");
Console.WriteLine($"certificates: {certificates}");
if (settings.Servers == ServerMode.Processes)
{
    Console.WriteLine($"postgres: {await servers.Postgres.Resource.GetConnectionStringAsync()}");
    Console.WriteLine($"redis: {await servers.Redis.Resource.GetConnectionStringAsync()}");
}

var app = builder.Build();
// Ctrl-C or SIGTERM: say so at once, and again once every resource is stopped and the certificates are gone.
app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => Console.WriteLine("stopping…"));
try
{
    await app.RunAsync();
}
finally
{
    if (settings.Certificates is null) Directory.Delete(certificates, recursive: true);
    Console.WriteLine("stopped");
}
return 0;


static string Configuration() =>
#if DEBUG
    "Debug";
#else
    "Release";
#endif
