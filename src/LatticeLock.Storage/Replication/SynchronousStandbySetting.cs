using Npgsql;

namespace LatticeLock.Storage.Replication;

/// <summary>
/// The primary's <c>synchronous_standby_names</c>, read and changed with ALTER SYSTEM and a reload (which needs a
/// superuser, or <c>GRANT ALTER SYSTEM ON PARAMETER synchronous_standby_names</c>). Neither waits for a standby:
/// ALTER SYSTEM writes a file, not WAL.
/// </summary>
public sealed class SynchronousStandbySetting(NpgsqlDataSource primary)
{
    /// <summary>The current setting, and the application names of standbys streaming now and of those counted as synchronous.</summary>
    public async Task<(string Names, IReadOnlyList<string> Streaming, int Synchronous)> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = primary.CreateCommand("""
            SELECT current_setting('synchronous_standby_names'),
                   coalesce(array_agg(application_name) FILTER (WHERE state = 'streaming'), '{}'),
                   count(*) FILTER (WHERE sync_state IN ('sync', 'quorum'))
            FROM pg_stat_replication
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetString(0), reader.GetFieldValue<string[]>(1), (int)reader.GetInt64(2));
    }

    /// <summary>
    /// Sets it and reloads the configuration. ALTER SYSTEM takes no parameters, so PostgreSQL itself quotes the value
    /// (format's %L, from a parameter) and the statement it returns is what runs.
    /// </summary>
    public async Task SetAsync(string names, CancellationToken cancellationToken)
    {
        await using var connection = await primary.OpenConnectionAsync(cancellationToken);
        string statement;
        await using (var quote = new NpgsqlCommand("SELECT format('ALTER SYSTEM SET synchronous_standby_names = %L', $1::text)", connection))
        {
            quote.Parameters.Add(new NpgsqlParameter { Value = names });
            statement = (string)(await quote.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var alter = new NpgsqlCommand(statement, connection)) await alter.ExecuteNonQueryAsync(cancellationToken);
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteScalarAsync(cancellationToken);
    }
}
