using LatticeLock.Storage;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Keeps this month's partition and the next ones of every monthly-partitioned table in place
/// (<see cref="MonthlyPartitions.Tables"/>: model_requests, spans, metric_points): at start-up and every few hours on
/// every silo (the SQL function makes concurrent runs harmless). A failure is logged and retried a minute later; rows
/// are never refused meanwhile (each table's default partition takes them).
/// </summary>
public sealed class PartitionMaintenance(MonthlyPartitions partitions, ILogger<PartitionMaintenance> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = Interval;
            try
            {
                foreach (var (table, created) in await partitions.EnsureAheadAsync(stoppingToken))
                {
                    if (created > 0) logger.LogInformation("Created {Count} {Table} partitions ahead of time", created, table.Name);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not create the monthly partitions ahead; retrying in a minute");
                next = TimeSpan.FromMinutes(1);
            }
            try { await Task.Delay(next, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
