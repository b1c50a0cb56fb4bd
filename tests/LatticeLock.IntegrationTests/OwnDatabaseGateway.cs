using System.Net;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// A PostgreSQL server of the test's own (so it may halt and restart it), a migrated database on it with short
/// timeouts, an admin key made with the CLI, and one silo serving HTTP, ready.
/// </summary>
internal sealed class OwnDatabaseGateway : IAsyncDisposable
{
    private OwnDatabaseGateway(LocalServer postgres, string database, string adminKey, SiloProcess silo)
    {
        Postgres = postgres;
        Database = database;
        AdminKey = adminKey;
        Silo = silo;
        Http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public LocalServer Postgres { get; }
    public string Database { get; }
    public string AdminKey { get; }
    public SiloProcess Silo { get; }
    public HttpClient Http { get; }

    public static async Task<OwnDatabaseGateway> StartAsync(string databaseName, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var postgres = await LocalServer.StartAsync("postgres");
        SiloProcess? silo = null;
        try
        {
            var database = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = databaseName, Timeout = 3, CommandTimeout = 5 }.ConnectionString;
            await using (var admin = NpgsqlDataSource.Create(postgres.ConnectionString))
            await using (var create = admin.CreateCommand($"CREATE DATABASE \"{databaseName}\"")) await create.ExecuteNonQueryAsync();
            await using (var dataSource = NpgsqlDataSource.Create(database)) await new LatticeLock.Storage.Migrations.MigrationRunner(dataSource).UpAsync();
            var (code, cli) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
            Assert.True(code == 0, cli);
            var adminKey = cli.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
            var environment = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["ConnectionStrings__postgres"] = database };
            silo = SiloProcess.Start(environment);
            var gateway = new OwnDatabaseGateway(postgres, database, adminKey, silo);
            await silo.WaitForAsync(gateway.Http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
            return gateway;
        }
        catch
        {
            if (silo is not null) await silo.DisposeAsync(); // a failed start leaves no process behind
            await postgres.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Silo.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
