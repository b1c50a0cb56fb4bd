using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Storage.Audit;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Every <see cref="Interval"/> (and at shutdown), queues one <c>operator.calls</c> record per operator key and grain
/// method called in the window (<see cref="OperatorCallCounts"/>): the method, the number of calls and the window, for
/// the platform's audit chain (written by <see cref="OperatorRequestWriter"/>).
/// </summary>
public sealed class OperatorCallFlusher(OperatorCallCounts counts, OperatorRequestLog log, TimeProvider clock) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var from = clock.GetUtcNow();
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) from = Flush(from);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        Flush(from);
    }

    private DateTimeOffset Flush(DateTimeOffset from)
    {
        var to = clock.GetUtcNow();
        foreach (var ((keyId, userId, method), calls) in counts.Drain())
        {
            log.Add(new AuditRecord(AuditLog.PlatformWorkspace, "operator.calls", "grain", method, null, new { calls, from, to },
                new AuditActor(userId, keyId, null, "LatticeLock.Client", true), 200));
        }
        return to;
    }
}
