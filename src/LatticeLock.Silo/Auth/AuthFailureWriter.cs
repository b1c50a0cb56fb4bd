using LatticeLock.Storage.Auth;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Writes the pending <see cref="AuthFailureCounts"/> to <c>auth_failures</c> once a second and at shutdown, off the
/// request path. When the database is unavailable the counts stay in memory (bounded) and go with the next write.
/// </summary>
public sealed class AuthFailureWriter(AuthFailureCounts counts, AuthFailureLog log, ILogger<AuthFailureWriter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(Interval, stoppingToken); } catch (OperationCanceledException) { break; }
            await WriteAsync(stoppingToken);
        }
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await WriteAsync(last.Token);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var pending = counts.Drain();
        if (pending.Count == 0) return;
        try
        {
            await log.AddAsync(pending, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
        {
            counts.Restore(pending);
            logger.LogWarning(e, "Could not write {Rows} refused-authentication counts; keeping them for the next write", pending.Count);
        }
    }
}
