namespace LatticeLock.AppHost;

/// <summary>
/// The standard PostgreSQL and Redis container resources, for a machine with Docker or Podman. Aspire creates the
/// <c>lattice</c> database and passes the password in the connection strings.
/// </summary>
internal static class ContainerServers
{
    public static ClusterServers Add(IDistributedApplicationBuilder builder)
    {
        var server = builder.AddPostgres(ResourceNames.PostgresServer);
        var postgres = server.AddDatabase(ResourceNames.Postgres, databaseName: ResourceNames.Database);
        var redis = builder.AddRedis(ResourceNames.Redis);
        return new ClusterServers(postgres, redis, [postgres, redis]);
    }
}
