using LatticeLock.Grains.Abstractions.Metrics;
using LatticeLock.Grains.Metrics;
using Orleans.Runtime;

namespace LatticeLock.Silo.Metrics;

/// <summary>
/// Once the silo is active, asks every configured metric pump to run. Each silo does it (idempotent), so pumps start
/// whichever silo comes up first; their reminders bring them back after a crash.
/// </summary>
public sealed class MetricPumpStarter(MetricConsumerRegistry registry, IGrainFactory grains, ILogger<MetricPumpStarter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MetricPumpStarter), ServiceLifecycleStage.Active, StartAsync, _ => Task.CompletedTask);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in registry.Names)
        {
            try
            {
                await grains.GetGrain<IMetricPumpGrain>(name).Start();
            }
            catch (Exception e)
            {
                // Not fatal: the reminder (or another silo) starts it; points wait in model_requests meanwhile.
                logger.LogWarning(e, "Could not start the metric pump {Consumer} from this silo", name);
            }
        }
    }
}
