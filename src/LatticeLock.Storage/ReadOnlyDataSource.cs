using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// Where read-only queries that tolerate replication lag go: a standby when the connection string lists several hosts,
/// the primary otherwise (see <see cref="PostgresDataSources.ReadOnly"/>).
/// </summary>
public sealed record ReadOnlyDataSource(NpgsqlDataSource Source);
