using LatticeLock.Silo.Clustering;
using LatticeLock.Storage.ModelRequests;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Bounds a stop: the host waits at most <see cref="SiloHostOptions.ShutdownTimeout"/>, and when the stop begins the
/// model-request log is told to answer, after <see cref="ModelRequestLogOptions.ShutdownDrainTimeout"/>, every caller
/// whose commit still hangs (503, not acknowledged), while the HTTP server still delivers those answers.
/// </summary>
public sealed class ModelRequestLogShutdown(ModelRequestLog log, IHostApplicationLifetime lifetime, IOptions<ModelRequestLogOptions> options) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => log.AbandonPendingAfter(options.Value.ShutdownDrainTimeout));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
