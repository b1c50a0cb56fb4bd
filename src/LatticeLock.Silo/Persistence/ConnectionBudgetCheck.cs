using LatticeLock.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Before anything else starts: a silo whose <see cref="ConnectionBudget"/> alone exceeds what PostgreSQL admits
/// (<c>max_connections</c> less the reserved slots) refuses to start, naming the setting; one that fits but leaves
/// less than the same budget free, counting the connections already open, logs a warning (another silo could not
/// join). An unreachable database is not a misconfiguration: the check is skipped and readiness reports it.
/// </summary>
public sealed class ConnectionBudgetCheck(NpgsqlDataSource dataSource, IOptions<ConnectionBudget> budget, ILogger<ConnectionBudgetCheck> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        (int Admitted, long Open)? server;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await using var command = dataSource.CreateCommand("""
                SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                       - coalesce(current_setting('reserved_connections', true)::int, 0),
                       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')
                """);
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            await reader.ReadAsync(timeout.Token);
            server = (reader.GetInt32(0), reader.GetInt64(1));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not read PostgreSQL's max_connections to check the connection budget ({Error}); starting anyway", e.Message);
            return;
        }
        var b = budget.Value;
        if (b.MaxConnections > server.Value.Admitted)
            throw new OptionsValidationException(ConnectionBudget.Section, typeof(ConnectionBudget),
                [$"{ConnectionBudget.Section}:MaxConnections ({b.MaxConnections}) is more than PostgreSQL admits ({server.Value.Admitted}: max_connections less reserved slots); lower it or raise max_connections"]);
        var free = server.Value.Admitted - server.Value.Open;
        if (free < b.MaxConnections)
            logger.LogWarning("PostgreSQL has {Free} connection slots free ({Open} of {Admitted} in use) and this silo may open {Budget} ({Section}:MaxConnections): under load it can run out of connections",
                free, server.Value.Open, server.Value.Admitted, b.MaxConnections, ConnectionBudget.Section);
        else
            logger.LogInformation("Connection budget: {Budget} per silo ({DataSource} data source, {Orleans} Orleans, {Analytics} analytics); PostgreSQL admits {Admitted}, {Open} in use",
                b.MaxConnections, b.DataSourceConnections, b.OrleansConnections, b.AnalyticsConnections, server.Value.Admitted, server.Value.Open);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
