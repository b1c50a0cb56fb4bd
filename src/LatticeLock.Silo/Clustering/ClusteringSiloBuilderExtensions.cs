using System.Net;
using LatticeLock.Silo.Persistence;
using LatticeLock.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Clustering;

public static class ClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Cluster membership: Redis when <c>ConnectionStrings__redis</c> is set, PostgreSQL (ADO.NET) otherwise; cluster
    /// and service ids from <c>LatticeLock:Silo</c>. Those settings are validated here, once, at start.
    /// </summary>
    public static ISiloBuilder AddLatticeLockClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>();
        silo.Services.AddOptions<ClusterOptions>().Configure<IOptions<SiloHostOptions>>((cluster, host) =>
        {
            cluster.ClusterId = host.Value.ClusterId;
            cluster.ServiceId = host.Value.ServiceId;
        });

        var redis = RedisClusteringSettings.Read(configuration);
        if (redis is not null)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            return silo;
        }
        var connectionString = ValidatedPostgresConnectionString.Read(configuration);
        PostgresAdoNetProvider.Register();
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresAdoNetProvider.Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>
    /// Listens on <c>LatticeLock:Silo:ListenAddress</c> (loopback unless configured) at <c>SiloPort</c> and
    /// <c>GatewayPort</c>, advertising <c>AdvertisedAddress</c>. Separate from <see cref="AddLatticeLockClustering"/> because test clusters pick their
    /// own ports.
    /// </summary>
    public static ISiloBuilder UseLatticeLockEndpoints(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<SiloHostOptions>>((endpoints, host) =>
        {
            var o = host.Value;
            endpoints.AdvertisedIPAddress = IPAddress.Parse(o.AdvertisedAddress);
            endpoints.SiloPort = o.SiloPort;
            endpoints.GatewayPort = o.GatewayPort;
            var listen = IPAddress.Parse(o.ListenAddress);
            endpoints.SiloListeningEndpoint = new IPEndPoint(listen, o.SiloPort);
            endpoints.GatewayListeningEndpoint = new IPEndPoint(listen, o.GatewayPort);
        });
        return silo;
    }
}
