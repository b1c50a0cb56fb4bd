using LatticeLock.Silo.Clustering;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Hosting;

/// <summary>
/// A stop that still hangs <see cref="SiloHostOptions.ShutdownTimeout"/> after it began (Orleans writing its
/// membership row, or a grain its checkpoint, to a primary whose synchronous standby is gone) ends the process with
/// exit code <see cref="ForcedExitCode"/>. Nothing acknowledged is lost by it: every acknowledged write is committed,
/// and callers of the hanging ones were answered 503 after <c>ShutdownDrainTimeout</c>.
/// </summary>
public sealed class ShutdownWatchdog(IHostApplicationLifetime lifetime, IOptions<SiloHostOptions> options, ILogger<ShutdownWatchdog> logger) : IHostedService
{
    /// <summary>The exit code of a stop that had to be forced.</summary>
    public const int ForcedExitCode = 3;

    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() => _ = Task.Run(async () =>
        {
            await Task.Delay(options.Value.ShutdownTimeout);
            logger.LogCritical("The stop still hangs after {Timeout} (LatticeLock:Silo:ShutdownTimeout): exiting with code {Code}", options.Value.ShutdownTimeout, ForcedExitCode);
            await Console.Error.WriteLineAsync($"stopped by force: the stop still hung after LatticeLock:Silo:ShutdownTimeout ({options.Value.ShutdownTimeout})");
            Environment.Exit(ForcedExitCode);
        }));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask; // the registration must outlive the stop
}
