using Microsoft.Extensions.Hosting;

namespace LatticeLock.AppHost;

/// <summary>
/// Start-up progress in the terminal: one line per resource state change (<c>migrate: Finished</c>,
/// <c>silo-1: Running</c>, …) until every silo is ready, and the last log lines of any resource that fails, so a
/// first start that builds and waits is never silent and a failure says why. Logs, traces and metrics stay in the
/// Aspire dashboard.
/// </summary>
internal sealed class ResourceProgress(ResourceNotificationService notifications, ResourceLoggerService logs, LocalClusterReport report) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var states = new Dictionary<string, string>();
        try
        {
            await foreach (var change in notifications.WatchAsync(stoppingToken))
            {
                var state = change.Snapshot.State?.Text;
                if (string.IsNullOrEmpty(state) || report.Announced) continue;
                var name = change.Resource.Name;
                if (state == "NotStarted" || name.EndsWith("-rebuilder", StringComparison.Ordinal)) continue; // Aspire's own helpers
                if (states.TryGetValue(name, out var previous) && previous == state) continue;
                states[name] = state;
                var exit = change.Snapshot.ExitCode is { } code ? $" (exit code {code})" : "";
                Console.WriteLine($"  {name}: {state}{exit}");
                if (state is "FailedToStart" or "Exited" or "Finished" && change.Snapshot.ExitCode is not (null or 0))
                    _ = PrintLastLogLinesAsync(change.ResourceId, name, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task PrintLastLogLinesAsync(string resourceId, string name, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(2));
        var lines = new List<string>();
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(patience.Token))
                foreach (var line in batch) lines.Add(line.Content);
        }
        catch (OperationCanceledException)
        {
            // printed what arrived in time
        }
        foreach (var line in lines.TakeLast(15)) Console.WriteLine($"  {name} | {line}");
    }
}
