using LatticeLock.Silo.Clustering;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Hosting;

public static class SiloStartupLog
{
    /// <summary>Once the host has started, one line with where the silo can be reached and how it finds its cluster.</summary>
    public static WebApplication LogAddressesOnStart(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var silo = app.Services.GetRequiredService<IOptions<SiloHostOptions>>().Value;
            var clustering = RedisClusteringSettings.Read(app.Configuration) is null ? "PostgreSQL (ADO.NET)" : "Redis";
            app.Logger.LogInformation(
                "LatticeLock silo listening: HTTP {Urls}; silo port {SiloPort}, gateway port {GatewayPort} listening on {Listen}, advertised as {Address}; cluster '{ClusterId}' via {Clustering}",
                string.Join(", ", app.Urls), silo.SiloPort, silo.GatewayPort, silo.ListenAddress, silo.AdvertisedAddress, silo.ClusterId, clustering);
        });
        return app;
    }
}
