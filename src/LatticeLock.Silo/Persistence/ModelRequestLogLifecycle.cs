using LatticeLock.Storage.ModelRequests;
using Orleans.Runtime;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Drains the model-request log when the silo stops, at the storage stage: that runs after every grain has been
/// deactivated, so requests recorded during a graceful shutdown are still committed rather than refused.
/// </summary>
public sealed class ModelRequestLogLifecycle(ModelRequestLog log) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ModelRequestLogLifecycle), ServiceLifecycleStage.RuntimeStorageServices,
            _ => Task.CompletedTask,
            cancellationToken => log.StopAsync(cancellationToken));
}
