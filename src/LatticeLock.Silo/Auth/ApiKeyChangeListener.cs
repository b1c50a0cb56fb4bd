using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Storage.Auth;
using Npgsql;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// Keys changed outside a silo (the <c>lattice keys revoke</c> CLI writes PostgreSQL directly) are announced with
/// NOTIFY; every silo listens, drops the key from its authentication cache and has the key's grain reload, so the
/// change takes effect at once.
/// </summary>
public sealed class ApiKeyChangeListener(NpgsqlDataSource dataSource, IGrainFactory grains, AuthenticatedKeyCache cache, ILogger<ApiKeyChangeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => _ = ReloadAsync(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ApiKeyRepository.ChangeChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "API key change listener lost its connection; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ReloadAsync(string prefix)
    {
        try
        {
            if (ApiKeyFormat.PrefixOf($"ll_{prefix}_{new string('x', 43)}") is null) return;
            cache.Forget(prefix);
            await grains.GetGrain<IApiKeyGrain>(prefix).Reload();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not reload API key {Prefix} after a change", prefix);
        }
    }
}
