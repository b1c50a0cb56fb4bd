using Npgsql;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// What one log stores: how a batch is committed (one transaction, on a connection the committer owns) and how big an
/// item is. <see cref="GroupCommit{TItem, TResult}"/> does the rest: queueing, batching, confirmation, splitting out
/// rows PostgreSQL refuses, shutdown. One committer per concurrent batch.
/// </summary>
public interface IBatchCommitter<TItem, TResult> : IAsyncDisposable
{
    /// <summary>Commits every item in one transaction and answers each, in order; throws when nothing was committed.</summary>
    Task<IReadOnlyList<TResult>> CommitAsync(IReadOnlyList<TItem> items, CancellationToken cancellationToken);

    /// <summary>The answer to an item PostgreSQL refuses for its own data (a 400 naming the field, nothing stored).</summary>
    Exception Refused(PostgresException e);
}
