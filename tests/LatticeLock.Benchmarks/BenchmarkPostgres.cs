using LatticeLock.Testing;

namespace LatticeLock.Benchmarks;

/// <summary>
/// The PostgreSQL server a benchmark runs on: <c>ConnectionStrings__postgres</c> when set, else a throwaway server
/// started for the run through infrastructure/local/postgres.sh (and removed with it).
/// </summary>
public sealed class BenchmarkPostgres : IAsyncDisposable
{
    private readonly LocalServer? _own;

    private BenchmarkPostgres(string server, LocalServer? own) => (Server, _own) = (server, own);

    public string Server { get; }

    public static async Task<BenchmarkPostgres> StartAsync()
    {
        var server = Environment.GetEnvironmentVariable("ConnectionStrings__postgres");
        if (!string.IsNullOrWhiteSpace(server)) return new BenchmarkPostgres(server, null);
        Console.WriteLine("ConnectionStrings__postgres not set: starting a throwaway PostgreSQL through infrastructure/local/postgres.sh");
        var own = await LocalServer.StartAsync("postgres");
        return new BenchmarkPostgres(own.ConnectionString, own);
    }

    public async ValueTask DisposeAsync()
    {
        if (_own is not null) await _own.DisposeAsync();
    }
}
