using System.Net;
using LatticeLock.Silo.Health;
using LatticeLock.Silo.Hosting;
using LatticeLock.Silo.Http;
using Microsoft.Extensions.Options;

WebApplication app;
SiloHostOptions siloOptions;
try
{
    var builder = WebApplication.CreateBuilder(args);
    siloOptions = LatticeSiloBuilderExtensions.ReadSiloOptions(builder.Configuration);
    builder.UseOrleans(silo => silo
        .AddLatticeLock(builder.Configuration)
        .ConfigureEndpoints(IPAddress.Parse(siloOptions.AdvertisedAddress), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: true));
    builder.Services.AddLatticeLockHealthChecks();
    builder.Services.AddLatticeLockGateway();
    app = builder.Build();
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
{
    // A misconfiguration: one line naming the setting, no stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

app.MapLatticeLockGateway();
app.MapLatticeLockHealth();
app.Lifetime.ApplicationStarted.Register(() =>
{
    var clustering = RedisClusteringSettings.Read(app.Configuration) is null ? "PostgreSQL (ADO.NET)" : "Redis";
    app.Logger.LogInformation(
        "LatticeLock silo listening: HTTP {Urls}; silo port {SiloPort}, gateway port {GatewayPort} on {Address}; cluster '{ClusterId}' via {Clustering}",
        string.Join(", ", app.Urls), siloOptions.SiloPort, siloOptions.GatewayPort, siloOptions.AdvertisedAddress, siloOptions.ClusterId, clustering);
});
try
{
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
