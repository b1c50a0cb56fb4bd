using LatticeLock.Client;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LatticeLock.IntegrationTests;

/// <summary>The typed client (a real Orleans client) against a running cluster found through Redis.</summary>
internal static class ClusterClients
{
    /// <summary>A started client host of a cluster that uses PostgreSQL clustering (the TestingHost clusters), holding <paramref name="apiKey"/>.</summary>
    public static async Task<IHost> StartOnPostgresAsync(string database, string clusterId, string apiKey)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLatticeLockClient(o =>
        {
            o.PostgresConnectionString = database;
            o.ClusterId = clusterId;
            o.ServiceId = "lattice-tests";
            o.ApiKey = apiKey;
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Starts a client with <paramref name="tls"/> (or none) and <paramref name="apiKey"/>, reads one user's name through its grain, stops.</summary>
    public static async Task<string> GetUserNameAsync(string redis, string clusterId, Guid userId, ClusterTlsSettings? tls, string apiKey, int patienceSeconds = 60)
    {
        using var client = Host.CreateDefaultBuilder().ConfigureServices(services => services.AddLatticeLockClient(o =>
        {
            o.RedisConnectionString = redis;
            o.ClusterId = clusterId;
            o.Tls = tls;
            o.ApiKey = apiKey;
        })).Build();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(patienceSeconds));
        await client.StartAsync(patience.Token);
        try
        {
            var user = await client.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(userId).Get().WaitAsync(TimeSpan.FromSeconds(patienceSeconds));
            return user.Name ?? "";
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// What a client without a certificate the cluster's CA signed gets: the exception that stopped it from reading
    /// the user, or null if it read it (which would mean the cluster let a stranger in).
    /// </summary>
    public static async Task<Exception?> RefusalOfAsync(string redis, string clusterId, Guid userId, ClusterTlsSettings? tls, string apiKey)
    {
        try
        {
            // A client the cluster accepts reads the user within a few seconds; 15 s without an answer is a refusal.
            await GetUserNameAsync(redis, clusterId, userId, tls, apiKey, patienceSeconds: 15);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>A certificate (and its CA) that another cluster's CA issued: well-formed, but not this cluster's.</summary>
    public static ClusterTlsSettings ForeignCertificate(string folder)
    {
        using (var stranger = DevelopmentCertificateAuthority.Create("Some other CA"))
            stranger.WriteTo(folder, ["client"]);
        return new ClusterTlsSettings(Path.Combine(folder, "client.pem"), Path.Combine(folder, "client.key"), Path.Combine(folder, "ca.pem"));
    }
}
