using System.Net;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// A PostgreSQL server of the test's own (so it may halt, freeze and restart it), a <see cref="MigratedDatabase"/> on
/// it, and one silo serving HTTP, ready.
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
            var (database, adminKey) = await MigratedDatabase.CreateAsync(postgres, databaseName);
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
