using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;

/// <summary>
/// Servers that already run — managed PostgreSQL and Redis in a cloud, or ones you started yourself — given to the
/// AppHost as <c>ConnectionStrings__postgres</c> and <c>ConnectionStrings__redis</c>. Nothing is started; the same
/// health checks make the migration and the silos wait until both answer.
/// </summary>
internal static class ExistingServers
{
    public static ClusterServers Add(IDistributedApplicationBuilder builder)
    {
        var postgresConnection = Required(builder.Configuration, "postgres");
        var redisConnection = Required(builder.Configuration, "redis");
        builder.Services.AddHealthChecks()
            .AddPostgresAcceptsConnections("postgres-accepts-connections", postgresConnection)
            .AddRedisAcceptsConnections("redis-accepts-connections", redisConnection);
        var postgres = builder.AddConnectionString("postgres").WithHealthCheck("postgres-accepts-connections");
        var redis = builder.AddConnectionString("redis").WithHealthCheck("redis-accepts-connections");
        return new ClusterServers(postgres, redis, [postgres, redis]);
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Servers=existing needs ConnectionStrings__{name}: the connection string of the {name} server to use");
}
