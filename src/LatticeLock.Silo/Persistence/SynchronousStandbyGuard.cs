using LatticeLock.Storage.Replication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// <see cref="SynchronousStandbyLoss.Degrade"/>: every <see cref="ReplicationOptions.CheckInterval"/>, when the primary
/// names synchronous standbys but none is streaming as one, clears <c>synchronous_standby_names</c> so commits stop
/// waiting (they are then on one server until a standby is back); when it is cleared and a standby named in
/// <see cref="ReplicationOptions.SynchronousStandbyNames"/> streams again, puts it back. Every silo runs it; the
/// changes are idempotent. With <see cref="SynchronousStandbyLoss.Block"/> it does nothing.
/// </summary>
public sealed class SynchronousStandbyGuard(SynchronousStandbySetting setting, IOptions<ReplicationOptions> options, ILogger<SynchronousStandbyGuard> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.SynchronousStandbyLoss != SynchronousStandbyLoss.Degrade) return;
        using var timer = new PeriodicTimer(o.CheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckAsync(o.SynchronousStandbyNames!, stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    logger.LogDebug(e, "Synchronous standby check failed; trying again in {Interval}", o.CheckInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(string wanted, CancellationToken cancellationToken)
    {
        var (names, streaming, synchronous) = await setting.ReadAsync(cancellationToken);
        if (names.Length > 0 && synchronous == 0)
        {
            await setting.SetAsync("", cancellationToken);
            logger.LogWarning("No synchronous standby is streaming ({Names}): commits are acknowledged from the primary alone until one is back (LatticeLock:Replication:SynchronousStandbyLoss=Degrade)", names);
        }
        else if (names.Length == 0 && streaming.Any(name => Names(wanted).Contains(name)))
        {
            await setting.SetAsync(wanted, cancellationToken);
            logger.LogWarning("A synchronous standby streams again: synchronous_standby_names is '{Names}' once more", wanted);
        }
    }

    /// <summary>The standby names a synchronous_standby_names value mentions ('a', 'FIRST 2 (a, b)', 'ANY 1 ("c")').</summary>
    private static HashSet<string> Names(string setting)
    {
        var list = setting.Contains('(', StringComparison.Ordinal) ? setting[(setting.IndexOf('(') + 1)..].TrimEnd(')', ' ') : setting;
        return [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.Trim('"'))];
    }
}
