using LatticeLock.Grains.Abstractions.Retention;
using LatticeLock.Grains.Retention;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace LatticeLock.Silo.Retention;

/// <summary>
/// Once the silo is active, makes sure the cluster's retention job runs. Every silo does it (idempotent: the grain is
/// one per cluster); its reminder brings it back after a crash.
/// </summary>
public sealed class RetentionStarter(IGrainFactory grains, IOptions<RetentionOptions> options, ILogger<RetentionStarter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RetentionStarter), ServiceLifecycleStage.Active, StartAsync, _ => Task.CompletedTask);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled) return;
        try
        {
            await grains.GetGrain<IRetentionGrain>(IRetentionGrain.Key).Start();
        }
        catch (Exception e)
        {
            // Not fatal: its reminder (or another silo) starts it; expired rows wait meanwhile.
            logger.LogWarning(e, "Could not start the retention job from this silo");
        }
    }
}
