namespace LatticeLock.Storage;

/// <summary>
/// The silo's analytics pool (<see cref="ConnectionBudget.ForAnalytics"/>): separate from the data source the logs
/// commit through, so analytics can never take their connections. Owned by the container, which disposes it.
/// </summary>
public sealed class AnalyticsDataSources(PostgresDataSources sources) : IAsyncDisposable
{
    public PostgresDataSources Sources { get; } = sources;

    public ValueTask DisposeAsync() => Sources.DisposeAsync();
}
