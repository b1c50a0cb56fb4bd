using System.Net;
using LatticeLock.Silo.Health;
using LatticeLock.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
var siloOptions = LatticeSiloBuilderExtensions.ReadSiloOptions(builder.Configuration);
builder.UseOrleans(silo => silo
    .AddLatticeLock(builder.Configuration)
    .ConfigureEndpoints(IPAddress.Parse(siloOptions.AdvertisedAddress), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: true));
builder.Services.AddLatticeLockHealthChecks();

var app = builder.Build();
app.MapLatticeLockHealth();
app.Lifetime.ApplicationStarted.Register(() =>
{
    var clustering = RedisClusteringSettings.Read(builder.Configuration) is null ? "PostgreSQL (ADO.NET)" : "Redis";
    app.Logger.LogInformation(
        "LatticeLock silo listening: HTTP {Urls}; silo port {SiloPort}, gateway port {GatewayPort} on {Address}; cluster '{ClusterId}' via {Clustering}",
        string.Join(", ", app.Urls), siloOptions.SiloPort, siloOptions.GatewayPort, siloOptions.AdvertisedAddress, siloOptions.ClusterId, clustering);
});
await app.RunAsync();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
