using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// Secrets of this deployment kept in <c>deployment_keys</c> (made by the migrations from the server's random source,
/// the same for every silo): read once per process and cached.
/// </summary>
public sealed class DeploymentKeys(NpgsqlDataSource dataSource)
{
    public const string SpanRequestIds = "span_request_ids";

    /// <summary>The stamp every silo puts on the grain calls it makes, so a call from a client cannot pass for one of them.</summary>
    public const string SiloCalls = "silo_calls";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task<byte[]>> _keys = [];

    public Task<byte[]> GetAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_keys.TryGetValue(name, out var cached) && !cached.IsFaulted && !cached.IsCanceled) return cached.WaitAsync(cancellationToken);
            var load = LoadAsync(name);
            _keys[name] = load;
            return load.WaitAsync(cancellationToken);
        }
    }

    private async Task<byte[]> LoadAsync(string name)
    {
        await using var command = dataSource.CreateCommand("SELECT key FROM deployment_keys WHERE name = $1");
        command.Parameters.AddWithValue(name);
        return await command.ExecuteScalarAsync(CancellationToken.None) as byte[]
            ?? throw new InvalidOperationException($"deployment key '{name}' is missing: run the migrations (lattice migrate up)");
    }
}
