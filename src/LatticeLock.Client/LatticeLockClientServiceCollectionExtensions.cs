using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using LatticeLock.Tls;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Connections.Security;
using Orleans.Configuration;
using StackExchange.Redis;

namespace LatticeLock.Client;

public static class LatticeLockClientServiceCollectionExtensions
{
    /// <summary>Adds an Orleans client connected to the LatticeLock cluster and the <see cref="LatticeLockClient"/> facade.</summary>
    public static IServiceCollection AddLatticeLockClient(this IServiceCollection services, Action<LatticeLockClientOptions> configure)
    {
        var options = new LatticeLockClientOptions();
        configure(options);
        return services.AddLatticeLockClient(options);
    }

    /// <summary>The client configured from the same settings as a silo (see <see cref="LatticeLockClientOptions.FromConfiguration"/>).</summary>
    public static IServiceCollection AddLatticeLockClient(this IServiceCollection services, IConfiguration configuration) =>
        services.AddLatticeLockClient(LatticeLockClientOptions.FromConfiguration(configuration));

    private static IServiceCollection AddLatticeLockClient(this IServiceCollection services, LatticeLockClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.RedisConnectionString) && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            throw new ArgumentException("LatticeLockClientOptions: set PostgresConnectionString (ConnectionStrings__postgres) or RedisConnectionString (ConnectionStrings__redis)");
        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
            throw new ArgumentException("LatticeLockClientOptions: ClusterId and ServiceId must not be empty");

        var credentials = options.Tls is null ? null : ClusterCredentials.Load(options.Tls);
        services.AddOrleansClient(client =>
        {
            // The caller's trace (Activity.Current) travels with each grain call, so an orchestrator's span and the
            // silo's grain calls and log commit form one trace when the orchestrator exports OpenTelemetry.
            client.AddActivityPropagation();
            // Every call carries the key; the silos authorize it as they do over HTTP.
            ApiKeyCallFilter.AddTo(client, options.ApiKey ?? "");
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
            if (credentials is not null)
            {
                // Mutual TLS: present our certificate, accept a gateway only if its certificate chains to the cluster's CA.
                client.UseTls(credentials.Certificate, tls =>
                {
                    tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                    tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
                    tls.RemoteCertificateValidation = (certificate, _, _) => credentials.Trusts(certificate);
                });
            }
            if (!string.IsNullOrWhiteSpace(options.RedisConnectionString))
            {
                var redis = ConfigurationOptions.Parse(options.RedisConnectionString);
                client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            }
            else
            {
                DbProviderFactories.RegisterFactory("Npgsql", NpgsqlFactory.Instance);
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = options.PostgresConnectionString;
                });
            }
        });
        services.AddSingleton<LatticeLockClient>();
        return services;
    }
}
