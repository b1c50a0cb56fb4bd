using LatticeLock.Storage.Migrations;
using LatticeLock.Testing;
using Npgsql;
using Orleans.TestingHost;

namespace LatticeLock.Testing;

/// <summary>
/// One real PostgreSQL (and, on demand, one real redis-server) for the whole test run, started through
/// infrastructure/local. Each test class gets its own database so classes never see each other's rows.
/// </summary>
public sealed class ServersFixture : IAsyncLifetime
{
    private LocalServer? _postgres;
    private LocalServer? _redis;
    private readonly SemaphoreSlim _redisGate = new(1, 1);
    private LocalServer? _timestream;
    private readonly SemaphoreSlim _timestreamGate = new(1, 1);
    private LocalServer? _bigtable;
    private readonly SemaphoreSlim _bigtableGate = new(1, 1);
    private readonly SemaphoreSlim _clusterGate = new(1, 1);
    private (TestCluster Cluster, string Database)? _shared;

    private string? _external = Environment.GetEnvironmentVariable("LL_TEST_POSTGRES");

    /// <summary>The server's connection string; LL_TEST_POSTGRES points the tests at an already running server (for debugging).</summary>
    public string ServerConnectionString => _external ?? _postgres?.ConnectionString ?? throw new InvalidOperationException("PostgreSQL not started");

    public async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(_external)) _postgres = await LocalServer.StartAsync("postgres");
        else _external = _external.Trim();
    }

    public async Task<string> RedisAsync()
    {
        await _redisGate.WaitAsync();
        try { return (_redis ??= await LocalServer.StartAsync("redis")).ConnectionString; }
        finally { _redisGate.Release(); }
    }

    /// <summary>One moto_server (AWS emulator, for Timestream) for the run, started on first use.</summary>
    public async Task<LocalServer> TimestreamEmulatorAsync()
    {
        await _timestreamGate.WaitAsync();
        try { return _timestream ??= await LocalServer.StartAsync("moto"); }
        finally { _timestreamGate.Release(); }
    }

    /// <summary>One Cloud Bigtable emulator for the run, started on first use.</summary>
    public async Task<LocalServer> BigtableEmulatorAsync()
    {
        await _bigtableGate.WaitAsync();
        try { return _bigtable ??= await LocalServer.StartAsync("bigtable"); }
        finally { _bigtableGate.Release(); }
    }

    /// <summary>A new empty database on the shared server; migrated to head unless asked otherwise.</summary>
    public async Task<string> CreateDatabaseAsync(bool migrate = true)
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(ServerConnectionString))
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{name}\""))
        {
            await create.ExecuteNonQueryAsync();
        }
        // Every test database gets its own connection pools (ours and the Orleans providers'); idle ones close after a
        // few seconds so finished tests do not hold connections for the rest of the run.
        var connectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            Database = name, ConnectionIdleLifetime = 5, ConnectionPruningInterval = 2,
        }.ConnectionString;
        if (migrate)
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new MigrationRunner(dataSource).UpAsync();
        }
        return connectionString;
    }

    /// <summary>A two-silo cluster on its own database, shared by tests that use fresh ids and so cannot disturb each other.</summary>
    public async Task<(TestCluster Cluster, string Database)> SharedClusterAsync()
    {
        await _clusterGate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var database = await CreateDatabaseAsync();
                _shared = (await LatticeCluster.StartAsync(database), database);
            }
            return _shared.Value;
        }
        finally { _clusterGate.Release(); }
    }

    public async Task DisposeAsync()
    {
        if (_shared is { } shared) await shared.Cluster.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        if (_timestream is not null) await _timestream.DisposeAsync();
        if (_bigtable is not null) await _bigtable.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
