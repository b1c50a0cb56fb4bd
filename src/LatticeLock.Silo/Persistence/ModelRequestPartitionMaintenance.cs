using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Keeps the model-request and span partitions of this month and the next ones in place: at start-up and every few hours on
/// every silo (the SQL function makes concurrent runs harmless). A failure is logged and retried at the next round;
/// rows are never refused meanwhile (the default partition takes them).
/// </summary>
public sealed class ModelRequestPartitionMaintenance(ModelRequestPartitions partitions, SpanPartitions spanPartitions, ILogger<ModelRequestPartitionMaintenance> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = Interval;
            try
            {
                var created = await partitions.EnsureAheadAsync(stoppingToken);
                if (created > 0) logger.LogInformation("Created {Count} model_requests partitions ahead of time", created);
                var spans = await spanPartitions.EnsureAheadAsync(stoppingToken);
                if (spans > 0) logger.LogInformation("Created {Count} spans partitions ahead of time", spans);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not create the model_requests partitions ahead; retrying in a minute");
                next = TimeSpan.FromMinutes(1);
            }
            try { await Task.Delay(next, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
