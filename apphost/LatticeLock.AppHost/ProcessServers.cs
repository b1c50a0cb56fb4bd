using Microsoft.Extensions.DependencyInjection;
using System.Globalization;

/// <summary>
/// PostgreSQL and redis-server as executable resources on free loopback ports (no container engine needed):
/// <c>infrastructure/local/postgres-foreground.sh</c> runs a throwaway cluster in the foreground, redis-server keeps
/// nothing on disk. Health checks make dependents wait until each accepts connections; both stop with the AppHost.
/// </summary>
internal static class ProcessServers
{
    public static ClusterServers Add(IDistributedApplicationBuilder builder, string root)
    {
        var postgresPort = LoopbackPorts.Next();
        var redisPort = LoopbackPorts.Next();
        var postgresConnection = $"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database=lattice";
        var redisConnection = $"127.0.0.1:{redisPort}";
        builder.Services.AddHealthChecks()
            .AddPostgresAcceptsConnections("postgres-accepts-connections", postgresConnection)
            .AddRedisAcceptsConnections("redis-accepts-connections", redisConnection);

        var postgresProcess = builder.AddExecutable("postgres-server", Path.Combine(root, "infrastructure/local/postgres-foreground.sh"), root,
                postgresPort.ToString(CultureInfo.InvariantCulture), "lattice")
            .WithHealthCheck("postgres-accepts-connections");
        var redisProcess = builder.AddExecutable("redis-server", "redis-server", root,
                "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .WithHealthCheck("redis-accepts-connections");
        var postgres = builder.AddConnectionString("postgres", ReferenceExpression.Create($"{postgresConnection}"));
        var redis = builder.AddConnectionString("redis", ReferenceExpression.Create($"{redisConnection}"));
        return new ClusterServers(postgres, redis, [postgresProcess, redisProcess]);
    }

}
