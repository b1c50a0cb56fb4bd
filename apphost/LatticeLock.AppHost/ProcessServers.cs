using Microsoft.Extensions.DependencyInjection;
using System.Globalization;

namespace LatticeLock.AppHost;

/// <summary>
/// PostgreSQL and redis-server as executable resources on free loopback ports (no container engine needed):
/// <c>infrastructure/local/postgres-foreground.sh</c> runs a throwaway cluster in the foreground, redis-server keeps
/// nothing on disk. With <c>replicas</c>, <c>infrastructure/local/postgres-replicated.sh foreground</c> runs a primary, a
/// synchronous standby and a read replica instead. Health checks make dependents wait until each accepts connections;
/// all stop with the AppHost.
/// </summary>
internal static class ProcessServers
{
    public static ClusterServers Add(IDistributedApplicationBuilder builder, string root, bool replicas)
    {
        var postgresPort = LoopbackPorts.Next();
        var redisPort = LoopbackPorts.Next();
        var primaryConnection = $"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database={ResourceNames.Database}";
        var redisConnection = $"127.0.0.1:{redisPort}";
        builder.Services.AddHealthChecks()
            .AddPostgresAcceptsConnections(ResourceNames.PostgresHealthCheck, primaryConnection)
            .AddRedisAcceptsConnections(ResourceNames.RedisHealthCheck, redisConnection);

        string postgresConnection;
        IResourceBuilder<ExecutableResource> postgresProcess;
        if (replicas)
        {
            // A primary, a synchronous standby and a read replica; the silos get all three hosts and let Npgsql
            // pick the primary for writes and a standby for analytics (docs/operations.md, "Failover").
            var standbyPort = LoopbackPorts.Next();
            var replicaPort = LoopbackPorts.Next();
            postgresConnection = $"Host=127.0.0.1:{postgresPort},127.0.0.1:{standbyPort},127.0.0.1:{replicaPort};Username=postgres;Database={ResourceNames.Database};Host Recheck Seconds=1";
            postgresProcess = builder.AddExecutable(ResourceNames.PostgresServers, Path.Combine(root, "infrastructure/local/postgres-replicated.sh"), root, "foreground")
                .WithEnvironment("LL_PG_PORTS", string.Join(',', new[] { postgresPort, standbyPort, replicaPort }.Select(p => p.ToString(CultureInfo.InvariantCulture))))
                .WithEnvironment("LL_STATE_DIR", Directory.CreateTempSubdirectory("latticelock-apphost-pgrep-").FullName)
                .WithHealthCheck(ResourceNames.PostgresHealthCheck);
        }
        else
        {
            postgresConnection = primaryConnection;
            postgresProcess = builder.AddExecutable(ResourceNames.PostgresServer, Path.Combine(root, "infrastructure/local/postgres-foreground.sh"), root,
                    postgresPort.ToString(CultureInfo.InvariantCulture), ResourceNames.Database)
                .WithHealthCheck(ResourceNames.PostgresHealthCheck);
        }
        var redisProcess = builder.AddExecutable(ResourceNames.RedisServer, "redis-server", root,
                "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .WithHealthCheck(ResourceNames.RedisHealthCheck);
        var postgres = builder.AddConnectionString(ResourceNames.Postgres, ReferenceExpression.Create($"{postgresConnection}"));
        var redis = builder.AddConnectionString(ResourceNames.Redis, ReferenceExpression.Create($"{redisConnection}"));
        return new ClusterServers(postgres, redis, [postgresProcess, redisProcess]);
    }

}
