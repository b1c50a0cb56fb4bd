using LatticeLock.Silo.Clustering;
using LatticeLock.Storage.Commits;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Stops every group commit (the model-request log, the span log) the same way, registered once. When the host begins
/// to stop, each is told to answer, after <see cref="CommitOptions.ShutdownDrainTimeout"/>, every caller whose commit
/// still hangs (503, not acknowledged) while the HTTP server still delivers those answers; the host waits at most
/// <see cref="SiloHostOptions.ShutdownTimeout"/>. Each is drained at the silo's storage stage, which runs after every
/// grain has been deactivated, so writes made during a graceful shutdown are still committed rather than refused.
/// </summary>
public sealed class GroupCommitDrain(IEnumerable<IGroupCommit> commits, IHostApplicationLifetime lifetime, IOptions<CommitOptions> options)
    : IHostedService, ILifecycleParticipant<ISiloLifecycle>
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var commit in commits) commit.AbandonPendingAfter(options.Value.ShutdownDrainTimeout);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GroupCommitDrain), ServiceLifecycleStage.RuntimeStorageServices,
            _ => Task.CompletedTask,
            cancellationToken => Task.WhenAll(commits.Select(c => c.StopAsync(cancellationToken))));
}
