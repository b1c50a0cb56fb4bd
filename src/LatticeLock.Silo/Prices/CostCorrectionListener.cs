using LatticeLock.Storage.Prices;
using Npgsql;

namespace LatticeLock.Silo.Prices;

/// <summary>
/// A reprice run may be made by the <c>lattice prices reprice</c> CLI, which writes PostgreSQL directly; its last chunk
/// announces the run with NOTIFY, and every silo listening has the live owners it touched refreshed
/// (<see cref="CorrectedCostOwners"/>).
/// </summary>
public sealed class CostCorrectionListener(NpgsqlDataSource dataSource, CorrectedCostOwners owners, ILogger<CostCorrectionListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => _ = RefreshAsync(e.Payload, stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {CostRepricer.ChangeChannel}", connection))
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
                logger.LogWarning(e, "Cost correction listener lost its connection; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RefreshAsync(string payload, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(payload, out var runId)) return;
        try
        {
            await owners.RefreshAsync(runId, cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not refresh the owners of reprice run {RunId}", runId);
        }
    }
}
