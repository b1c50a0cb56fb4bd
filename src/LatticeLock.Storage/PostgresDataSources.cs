using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// The silo's and the CLI's PostgreSQL data sources, from one connection string. With one host, one data source serves
/// everything. With several (<c>Host=a:5432,b:5432,c:5432</c>: a primary and its standbys, in any order), Npgsql's own
/// multi-host support decides where each connection goes: <see cref="Primary"/> (target session <c>primary</c>) for
/// every write and every read that must see its own writes, <see cref="ReadOnly"/> (<c>prefer-standby</c>, falling back
/// to the primary) for analytics and reports. After a failover Npgsql finds the new primary by itself: a failed host is
/// marked offline, and each host's role is checked again after <c>Host Recheck Seconds</c> (default 10 s; set it lower
/// to resume writes sooner).
/// </summary>
public sealed class PostgresDataSources : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _root;

    public PostgresDataSources(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (IsMultiHost(connectionString))
        {
            var multiHost = builder.BuildMultiHost();
            _root = multiHost;
            Primary = multiHost.WithTargetSession(TargetSessionAttributes.Primary);
            ReadOnly = multiHost.WithTargetSession(TargetSessionAttributes.PreferStandby);
        }
        else
        {
            _root = builder.Build();
            Primary = _root;
            ReadOnly = _root;
        }
    }

    /// <summary>Writes, and reads that must see them (the one data source when there is one host).</summary>
    public NpgsqlDataSource Primary { get; }

    /// <summary>Read-only work that may lag the primary by a replica's replay delay: analytics, reports.</summary>
    public NpgsqlDataSource ReadOnly { get; }

    /// <summary>True when the connection string names more than one host (a primary with standbys).</summary>
    public static bool IsMultiHost(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Host?.Contains(',') == true;

    /// <summary>
    /// The connection string Orleans' ADO.NET providers use: with several hosts, pinned to the primary (membership,
    /// grain state and reminders are writes).
    /// </summary>
    public static string ForPrimary(string connectionString) => IsMultiHost(connectionString)
        ? new NpgsqlConnectionStringBuilder(connectionString) { TargetSessionAttributes = "primary" }.ConnectionString
        : connectionString;

    public ValueTask DisposeAsync() => _root.DisposeAsync();

    public void Dispose() => _root.Dispose();
}
