namespace LatticeLock.AppHost;

/// <summary>
/// The names of the local cluster's resources as the Aspire dashboard and the terminal show them, and the other names
/// several files share (the database, the Orleans service id, the health checks). One place, so a rename is one line.
/// </summary>
internal static class ResourceNames
{
    /// <summary>The PostgreSQL connection; silos read it as <c>ConnectionStrings__postgres</c>.</summary>
    public const string Postgres = "postgres";
    /// <summary>The Redis connection (Orleans clustering); <c>ConnectionStrings__redis</c>.</summary>
    public const string Redis = "redis";
    public const string PostgresServer = "postgres-server";
    /// <summary>A primary, a synchronous standby and a read replica in one resource (<c>Replicas=true</c>).</summary>
    public const string PostgresServers = "postgres-servers";
    public const string RedisServer = "redis-server";
    public const string Migrate = "migrate";
    public const string Orleans = "orleans";
    public const string TimestreamEmulator = "timestream-emulator";
    public const string BigtableEmulator = "bigtable-emulator";

    /// <summary>The database LatticeLock's schema lives in, and the name its sinks' emulators use.</summary>
    public const string Database = "lattice";
    /// <summary>The Orleans service id of every local cluster (the cluster id is per run).</summary>
    public const string ServiceId = "lattice";
    /// <summary>The metric sink every silo writes to, named next to the emulated cloud ones.</summary>
    public const string PostgresSink = "postgres";

    public const string PostgresHealthCheck = "postgres-accepts-connections";
    public const string RedisHealthCheck = "redis-accepts-connections";

    public static string Silo(int number) => $"silo-{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
