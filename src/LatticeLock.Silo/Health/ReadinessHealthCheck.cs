using LatticeLock.Storage.Migrations;
using LatticeLock.Storage.Replication;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace LatticeLock.Silo.Health;

/// <summary>
/// Ready means: PostgreSQL answers, its schema is at the newest migration, and this silo is an active cluster member.
/// The details name the primary PostgreSQL server and each standby's replication lag (bytes and seconds).
/// </summary>
public sealed class ReadinessHealthCheck(
    MigrationRunner migrations,
    ReplicationStatus replication,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        int version;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            version = await migrations.CurrentVersionAsync(timeout.Token);
            var snapshot = await replication.ReadAsync(timeout.Token);
            data["postgres_primary"] = snapshot.Primary;
            data["synchronous_standby_names"] = snapshot.SynchronousStandbyNames ?? "";
            data["standbys"] = snapshot.Standbys.Select(s => new
            {
                name = s.Name,
                address = s.Address,
                state = s.State,
                sync_state = s.SyncState,
                lag_bytes = s.LagBytes,
                replay_lag_seconds = s.ReplayLagSeconds,
            }).ToList();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"database unreachable: {e.Message}");
        }
        var head = MigrationCatalog.Head;
        data["schema_version"] = version;
        data["schema_head"] = head;
        var status = membership.CurrentSnapshot.GetSiloStatus(localSilo.SiloAddress);
        data["silo"] = localSilo.SiloAddress.ToString();
        data["silo_status"] = status.ToString();
        if (version != head)
            return HealthCheckResult.Unhealthy($"database schema is at version {version}, this silo needs {head}: run `lattice migrate up`", data: data);
        if (status != SiloStatus.Active)
            return HealthCheckResult.Unhealthy($"silo is {status}, not Active", data: data);
        return HealthCheckResult.Healthy("database reachable, schema at head, silo active", data);
    }
}
