using LatticeLock.Storage.Auth;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Deletes <c>auth_failures</c> and <c>auth_events</c> rows older than <see cref="AuthOptions.RetentionDays"/>, at
/// start-up and hourly on every silo (concurrent runs delete the same rows once).
/// </summary>
public sealed class AuthRecordRetention(AuthFailureLog log, TimeProvider clock, IOptions<AuthOptions> options, ILogger<AuthRecordRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = Interval;
            try
            {
                var removed = await log.DeleteOlderThanAsync(clock.GetUtcNow().AddDays(-options.Value.RetentionDays), stoppingToken);
                if (removed > 0) logger.LogInformation("Deleted {Rows} authentication records older than {Days} days", removed, options.Value.RetentionDays);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Could not apply the authentication record retention; retrying in a minute");
                next = TimeSpan.FromMinutes(1);
            }
            try { await Task.Delay(next, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
