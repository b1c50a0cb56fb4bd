using System.Net;
using LatticeLock.Storage;
using Npgsql;

namespace LatticeLock.Testing.Faults;

/// <summary>
/// What the fault tests break: a PostgreSQL server of their own (so it may be halted, restarted or frozen), a migrated
/// database on it, an admin key made with the CLI, and <c>N</c> real silo processes forming one cluster through the
/// ADO.NET membership table, each serving HTTP.
/// </summary>
public sealed class FaultCluster : IAsyncDisposable
{
    private readonly SiloProcess[] _silos;
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(10) };

    private FaultCluster(LocalServer postgres, string database, string adminKey, string clusterId, SiloProcess[] silos)
    {
        Postgres = postgres;
        Database = database;
        AdminKey = adminKey;
        ClusterId = clusterId;
        _silos = silos;
    }

    public LocalServer Postgres { get; }
    public string Database { get; }
    public string AdminKey { get; }
    public string ClusterId { get; }
    public IReadOnlyList<SiloProcess> Silos => _silos;
    public IReadOnlyList<Uri> Endpoints => [.. _silos.Select(s => s.BaseAddress)];

    /// <summary>
    /// Starts the server (<paramref name="server"/>: <c>postgres</c>, or <c>postgres-replicated</c> for a primary with a
    /// synchronous standby and a read replica) and <paramref name="silos"/> silos, and returns once every silo is ready and the membership
    /// table lists them all as active. <paramref name="environment"/> goes to every silo.
    /// </summary>
    public static async Task<FaultCluster> StartAsync(string databaseName, int silos, Dictionary<string, string?>? environment = null, string server = "postgres", int commandTimeoutSeconds = 5)
    {
        var postgres = await LocalServer.StartAsync(server);
        var started = new List<SiloProcess>();
        try
        {
            var (database, adminKey) = await MigratedDatabase.CreateAsync(postgres, databaseName, commandTimeoutSeconds);
            var clusterId = "faults-" + Guid.NewGuid().ToString("N")[..8];
            var settings = new Dictionary<string, string?>(environment ?? []) { ["ConnectionStrings__postgres"] = database };
            for (var i = 0; i < silos; i++) started.Add(SiloProcess.Start(settings, clusterId));
            var cluster = new FaultCluster(postgres, database, adminKey, clusterId, [.. started]);
            foreach (var silo in started) await silo.WaitForAsync(cluster._probe, new Uri(silo.BaseAddress, "/health/ready").ToString(), HttpStatusCode.OK, TimeSpan.FromSeconds(120));
            await cluster.WaitForActiveSilosAsync(silos, TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            foreach (var silo in started) await silo.DisposeAsync();
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary>Silos the membership table lists as active (status 3) in this cluster.</summary>
    public async Task<int> ActiveSilosAsync()
    {
        await using var sources = new PostgresDataSources(Database);
        await using var command = sources.Primary.CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 3");
        command.Parameters.AddWithValue(ClusterId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = -1;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((last = await ActiveSilosAsync()) == count) return;
            }
            catch (NpgsqlException)
            {
                // the server may be coming back
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the membership table never listed {count} active silos (last: {last})");
    }

    /// <summary>The silo's process is killed with SIGKILL: no shutdown, no goodbye to the cluster.</summary>
    public Task KillSiloAsync(int index) => _silos[index].KillAsync();

    public async ValueTask DisposeAsync()
    {
        _probe.Dispose();
        foreach (var silo in _silos) await silo.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
