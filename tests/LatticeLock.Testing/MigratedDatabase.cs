using LatticeLock.Storage;
using Npgsql;

namespace LatticeLock.Testing;

/// <summary>A new database on a test's own PostgreSQL server: migrated, with short timeouts, and an admin key made with the CLI.</summary>
public static class MigratedDatabase
{
    /// <summary>
    /// Creates and migrates <paramref name="name"/>. Connect and command timeouts are short (3 s, 5 s unless given), so a server
    /// the test halts or freezes is noticed within seconds.
    /// </summary>
    public static async Task<(string ConnectionString, string AdminKey)> CreateAsync(LocalServer postgres, string name, int commandTimeoutSeconds = 5)
    {
        var database = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = name, Timeout = 3, CommandTimeout = commandTimeoutSeconds }.ConnectionString;
        // Through the primary when the server is replicated (several hosts): standbys are read-only.
        await using (var admin = new PostgresDataSources(postgres.ConnectionString))
        await using (var create = admin.Primary.CreateCommand($"CREATE DATABASE \"{name}\"")) await create.ExecuteNonQueryAsync();
        await using (var sources = new PostgresDataSources(database)) await new LatticeLock.Storage.Migrations.MigrationRunner(sources.Primary).UpAsync();
        var (code, cli) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
        if (code != 0) throw new InvalidOperationException("lattice keys create --admin failed:\n" + cli);
        return (database, cli.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal)));
    }
}
