namespace LatticeLock.Client;

/// <summary>
/// How an orchestrator reaches the LatticeLock cluster: the same settings as the silo. With
/// <see cref="RedisConnectionString"/> set, gateways are found in Redis; otherwise in PostgreSQL's membership table.
/// </summary>
public sealed class LatticeLockClientOptions
{
    /// <summary>ConnectionStrings__postgres of the cluster (used to find gateways when Redis is not set).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>ConnectionStrings__redis of the cluster, when it uses Redis clustering.</summary>
    public string? RedisConnectionString { get; set; }

    public string ClusterId { get; set; } = "lattice";
    public string ServiceId { get; set; } = "lattice";
}
