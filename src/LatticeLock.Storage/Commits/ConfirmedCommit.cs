using Npgsql;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// Commits that are acknowledged only when PostgreSQL confirmed them in time, synchronous standby included. When a
/// commit waiting for a synchronous standby is cancelled (a timeout), PostgreSQL ends the wait with a warning and
/// reports success: the row is committed on the primary alone. A commit that returns after its timeout fired is
/// therefore refused here (<see cref="TimeoutException"/>, answered 503): the caller retries with the same id and is
/// answered from the stored row. The limit is <see cref="CommitOptions.Timeout"/>: the primary pool's
/// <c>Command Timeout</c> is set one second above it (<see cref="CommitOptions.ForDataSource"/>), and read back here less
/// that second, so it fires before Npgsql's own; the group commits pass it directly. Every write a client is answered for goes through here (one autocommit statement, or a
/// transaction's commit); an idempotent insert that finds its row stored passes the <see cref="SynchronousBarrier"/>.
/// </summary>
public static class ConfirmedCommit
{
    /// <summary>Each connection string's limit, parsed once (a silo has one or two), not on every commit.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeSpan> Limits = new();

    public static async Task<int> ExecuteNonQueryAsync(NpgsqlCommand command, string connectionString, CancellationToken cancellationToken)
    {
        command.CommandTimeout = 0; // ours below decides
        return await WithinAsync(connectionString, token => command.ExecuteNonQueryAsync(token), cancellationToken);
    }

    /// <summary>
    /// An idempotent insert (<c>ON CONFLICT … DO NOTHING</c>): true when it stored its row; false when the row was
    /// stored already, once a synchronous standby holds that row too (<see cref="SynchronousBarrier"/>).
    /// </summary>
    public static async Task<bool> InsertOnceAsync(NpgsqlCommand command, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken) == 1) return true;
        await SynchronousBarrier.PassAsync(dataSource, cancellationToken);
        return false;
    }

    public static async Task<object?> ExecuteScalarAsync(NpgsqlCommand command, string connectionString, CancellationToken cancellationToken)
    {
        command.CommandTimeout = 0; // ours below decides
        return await WithinAsync(connectionString, token => command.ExecuteScalarAsync(token), cancellationToken);
    }

    public static Task CommitAsync(NpgsqlTransaction transaction, string connectionString, CancellationToken cancellationToken) =>
        WithinAsync(connectionString, async token => { await transaction.CommitAsync(token); return 0; }, cancellationToken);

    private static Task<T> WithinAsync<T>(string connectionString, Func<CancellationToken, Task<T>> commit, CancellationToken cancellationToken) =>
        WithinAsync(Limits.GetOrAdd(connectionString, static s => TimeSpan.FromSeconds(Math.Max(1, new NpgsqlConnectionStringBuilder(s).CommandTimeout - 1))),
            commit, cancellationToken);

    /// <summary>Runs <paramref name="commit"/>; its result stands only when it came within <paramref name="limit"/>.</summary>
    public static async Task<T> WithinAsync<T>(TimeSpan limit, Func<CancellationToken, Task<T>> commit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        T result;
        try
        {
            result = await commit(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw NotConfirmed(limit); // our limit, not the caller, cancelled it: infrastructure trouble (503), not a client gone
        }
        if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested) throw NotConfirmed(limit);
        return result;
    }

    private static TimeoutException NotConfirmed(TimeSpan limit) =>
        new($"the commit was not confirmed within {limit.TotalSeconds:0} s (the server hangs, or a synchronous standby is missing); it is not acknowledged: retry with the same id");
}
