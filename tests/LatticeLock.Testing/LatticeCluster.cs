using LatticeLock.Client;
using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Hosting;
using LatticeLock.Storage;
using LatticeLock.Storage.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace LatticeLock.Testing;

/// <summary>
/// Starts an Orleans TestingHost cluster configured exactly like a real silo (our AddLatticeLock), on real servers. Its
/// client calls with an operator key made for it (a client's calls need a key, as a typed client's do).
/// </summary>
public static class LatticeCluster
{
    private const string ClientApiKey = "LatticeLock:Client:ApiKey";

    /// <param name="tcp">Real TCP sockets instead of the in-memory transport, so clients outside the test cluster can connect.</param>
    /// <param name="settings">Extra configuration for every silo (e.g. <c>Budgets:Webhooks:PollInterval</c>).</param>
    public static async Task<TestCluster> StartAsync(string postgres, string? redis = null, short silos = 2, string? clusterId = null, bool tcp = false,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var builder = new TestClusterBuilder(silos);
        if (tcp) builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = clusterId ?? "test-" + Guid.NewGuid().ToString("N")[..8];
        builder.Options.ServiceId = "lattice-tests";
        builder.Properties["ConnectionStrings:postgres"] = postgres;
        if (redis is not null) builder.Properties["ConnectionStrings:redis"] = redis;
        builder.Properties[$"{SiloHostOptions.Section}:ClusterId"] = builder.Options.ClusterId;
        builder.Properties[$"{SiloHostOptions.Section}:ServiceId"] = builder.Options.ServiceId;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.Properties[key] = value;
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(postgres))
            builder.Properties[ClientApiKey] = (await OperatorKeys.IssueAsync(dataSource, "test cluster client", "created for a test cluster", CancellationToken.None)).Key;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddLatticeLock(siloBuilder.Configuration);
            siloBuilder.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            ApiKeyCallFilter.AddTo(clientBuilder, configuration[ClientApiKey] ?? "");
            var redis = RedisClusteringSettings.Read(configuration);
            if (redis is not null)
            {
                clientBuilder.UseRedisClustering(o => o.ConfigurationOptions = redis);
            }
            else
            {
                clientBuilder.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresAdoNetProvider.Invariant;
                    o.ConnectionString = configuration.GetConnectionString("postgres");
                });
            }
        }
    }
}
