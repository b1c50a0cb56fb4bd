using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;

namespace LatticeLock.AppHost;

/// <summary>
/// Servers that already run — managed PostgreSQL and Redis in a cloud, or ones you started yourself — given to the
/// AppHost as <c>ConnectionStrings__postgres</c> and <c>ConnectionStrings__redis</c>. Nothing is started; the same
/// health checks make the migration and the silos wait until both answer.
/// </summary>
internal static class ExistingServers
{
    public static ClusterServers Add(IDistributedApplicationBuilder builder)
    {
        var postgresConnection = Required(builder.Configuration, ResourceNames.Postgres);
        var redisConnection = Required(builder.Configuration, ResourceNames.Redis);
        builder.Services.AddHealthChecks()
            .AddPostgresAcceptsConnections(ResourceNames.PostgresHealthCheck, postgresConnection)
            .AddRedisAcceptsConnections(ResourceNames.RedisHealthCheck, redisConnection);
        var postgres = builder.AddConnectionString(ResourceNames.Postgres).WithHealthCheck(ResourceNames.PostgresHealthCheck);
        var redis = builder.AddConnectionString(ResourceNames.Redis).WithHealthCheck(ResourceNames.RedisHealthCheck);
        return new ClusterServers(postgres, redis, [postgres, redis]);
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Servers=existing needs ConnectionStrings__{name}: the connection string of the {name} server to use");
}
