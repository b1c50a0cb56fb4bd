using System.Net;
using LatticeLock.Silo.Persistence;
using LatticeLock.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Clustering;

public static class ClusteringSiloBuilderExtensions
{
    /// <summary>
    /// Cluster membership, configured one way: by the <c>Orleans</c> section when it names a clustering provider (the
    /// Aspire AppHost's Orleans resource: cluster and service ids, Redis clustering, ports), otherwise from our settings:
    /// Redis when <c>ConnectionStrings__redis</c> is set, PostgreSQL (ADO.NET) otherwise, cluster and service ids from
    /// <c>LatticeLock:Silo</c>. Those settings are validated here, once, at start.
    /// </summary>
    public static ISiloBuilder AddLatticeLockClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>();
        if (OrleansSectionSettings.ConfiguresClustering(configuration)) return silo;
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
    /// Listens on <c>LatticeLock:Silo:ListenAddress</c> (loopback unless configured), advertising
    /// <c>AdvertisedAddress</c>, at <c>SiloPort</c> and <c>GatewayPort</c> — or, when the <c>Orleans</c> section
    /// configures the cluster, at the ports it gives (<c>Orleans:Endpoints:SiloPort</c> / <c>GatewayPort</c>), still on
    /// the listen address unless that section sets its own. Separate from <see cref="AddLatticeLockClustering"/>
    /// because test clusters pick their own ports.
    /// </summary>
    public static ISiloBuilder UseLatticeLockEndpoints(this ISiloBuilder silo, IConfiguration configuration)
    {
        var fromOrleansSection = OrleansSectionSettings.ConfiguresClustering(configuration);
        silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<SiloHostOptions>>((endpoints, host) =>
        {
            var o = host.Value;
            var listen = IPAddress.Parse(o.ListenAddress);
            if (!fromOrleansSection)
            {
                endpoints.SiloPort = o.SiloPort;
                endpoints.GatewayPort = o.GatewayPort;
            }
            if (!OrleansSectionSettings.SetsEndpoint(configuration, nameof(EndpointOptions.AdvertisedIPAddress)))
                endpoints.AdvertisedIPAddress = IPAddress.Parse(o.AdvertisedAddress);
            if (!OrleansSectionSettings.SetsEndpoint(configuration, nameof(EndpointOptions.SiloListeningEndpoint)))
                endpoints.SiloListeningEndpoint = new IPEndPoint(listen, endpoints.SiloPort);
            if (!OrleansSectionSettings.SetsEndpoint(configuration, nameof(EndpointOptions.GatewayListeningEndpoint)))
                endpoints.GatewayListeningEndpoint = new IPEndPoint(listen, endpoints.GatewayPort);
        });
        return silo;
    }
}
