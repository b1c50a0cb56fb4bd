using Npgsql;

namespace LatticeLock.Testing;

/// <summary>A new database on a test's own PostgreSQL server: migrated, with short timeouts, and an admin key made with the CLI.</summary>
public static class MigratedDatabase
{
    /// <summary>
    /// Creates and migrates <paramref name="name"/>. Connect and command timeouts are short (3 s, 5 s), so a server
    /// the test halts or freezes is noticed within seconds.
    /// </summary>
    public static async Task<(string ConnectionString, string AdminKey)> CreateAsync(LocalServer postgres, string name)
    {
        var database = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = name, Timeout = 3, CommandTimeout = 5 }.ConnectionString;
        await using (var admin = NpgsqlDataSource.Create(postgres.ConnectionString))
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\"")) await create.ExecuteNonQueryAsync();
        await using (var dataSource = NpgsqlDataSource.Create(database)) await new LatticeLock.Storage.Migrations.MigrationRunner(dataSource).UpAsync();
        var (code, cli) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
        if (code != 0) throw new InvalidOperationException("lattice keys create --admin failed:\n" + cli);
        return (database, cli.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal)));
    }
}
