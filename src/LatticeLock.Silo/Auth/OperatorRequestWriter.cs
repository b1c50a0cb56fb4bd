using LatticeLock.Storage.Audit;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Appends the queued <see cref="OperatorRequestLog"/> records to the platform's audit chain, up to
/// <see cref="BatchSize"/> per transaction, as they come. A batch that cannot be written (the database is unavailable)
/// is kept and tried again, backing off from 0.2 s to 5 s; at shutdown the queue is written for up to 5 s more.
/// </summary>
public sealed class OperatorRequestWriter(OperatorRequestLog queue, AuditLog audit, ILogger<OperatorRequestWriter> logger) : BackgroundService
{
    public const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuditRecord>(BatchSize);
        var backoff = TimeSpan.FromMilliseconds(200);
        try
        {
            while (await queue.Pending.WaitToReadAsync(stoppingToken))
            {
                Fill(batch);
                if (await TryWriteAsync(batch, stoppingToken))
                {
                    batch.Clear();
                    backoff = TimeSpan.FromMilliseconds(200);
                }
                else
                {
                    await Task.Delay(backoff, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        queue.Complete();
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        do
        {
            Fill(batch);
            if (batch.Count == 0 || !await TryWriteAsync(batch, last.Token)) break;
            batch.Clear();
        }
        while (!last.IsCancellationRequested);
        if (batch.Count > 0 || queue.Pending.Count > 0)
            logger.LogError("{Records} operator requests were not audited before shutdown", batch.Count + queue.Pending.Count);
    }

    private void Fill(List<AuditRecord> batch)
    {
        while (batch.Count < BatchSize && queue.Pending.TryRead(out var record)) batch.Add(record);
    }

    private async Task<bool> TryWriteAsync(List<AuditRecord> batch, CancellationToken cancellationToken)
    {
        var dropped = queue.TakeDropped();
        var records = dropped == 0 ? batch : [.. batch, new AuditRecord(AuditLog.PlatformWorkspace, "operator.request.dropped", "http", "queue",
            null, new { dropped, capacity = OperatorRequestLog.Capacity }, null, 503)];
        if (records.Count == 0) return true;
        try
        {
            await audit.RecordAsync(records, cancellationToken);
            if (dropped > 0) logger.LogError("{Dropped} operator requests were dropped unaudited (the queue of {Capacity} was full)", dropped, OperatorRequestLog.Capacity);
            return true;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            queue.RestoreDropped(dropped);
            logger.LogWarning(e, "Could not append {Records} operator requests to the audit log; keeping them for the next try", batch.Count);
            return false;
        }
    }
}
