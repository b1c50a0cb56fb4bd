namespace LatticeLock.AppHost;

/// <summary>
/// PostgreSQL and Redis as the rest of the model sees them: resources with a connection string (named
/// <c>postgres</c> and <c>redis</c>, so references become <c>ConnectionStrings__postgres</c> / <c>__redis</c>), and the
/// resources to wait for before anything uses them.
/// </summary>
internal sealed record ClusterServers(
    IResourceBuilder<IResourceWithConnectionString> Postgres,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IReadOnlyList<IResourceBuilder<IResource>> StartFirst);
