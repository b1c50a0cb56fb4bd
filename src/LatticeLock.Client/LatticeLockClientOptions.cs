using LatticeLock.Tls;
using Microsoft.Extensions.Configuration;

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

    /// <summary>
    /// How long a grain call may take before the client gives up on it. Keep it above the silos'
    /// <c>LatticeLock:Commit:Timeout</c> (30 s by default), so a record call still waiting for its commit
    /// gets the commit's answer rather than a timeout whose outcome is unknown.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// This client's certificate for a cluster that runs mutual TLS (<c>LatticeLock:Tls</c>): the certificate and key
    /// (PEM) signed by the cluster's CA, and that CA's certificate (PEM). Null for a cluster without TLS.
    /// </summary>
    public ClusterTlsSettings? Tls { get; set; }

    /// <summary>
    /// The API key (<c>ll_…</c>) every call of this client is authorized by, exactly as over HTTP: its scopes and its
    /// user's role in the workspace of what each call touches (docs/workspaces.md). Required: a client certificate
    /// alone grants no data access.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The same settings a silo reads: <c>ConnectionStrings__postgres</c>, <c>ConnectionStrings__redis</c>,
    /// <c>LatticeLock__Silo__ClusterId</c> / <c>ServiceId</c> and <c>LatticeLock__Tls__Certificate</c> / <c>Key</c> /
    /// <c>CertificateAuthority</c>, and <c>LatticeLock__Client__ApiKey</c>.
    /// </summary>
    public static LatticeLockClientOptions FromConfiguration(IConfiguration configuration) => new()
    {
        PostgresConnectionString = configuration.GetConnectionString("postgres"),
        RedisConnectionString = configuration.GetConnectionString("redis"),
        ClusterId = configuration["LatticeLock:Silo:ClusterId"] ?? "lattice",
        ServiceId = configuration["LatticeLock:Silo:ServiceId"] ?? "lattice",
        Tls = ClusterTlsSettings.Read(configuration),
        ApiKey = configuration["LatticeLock:Client:ApiKey"],
    };
}
