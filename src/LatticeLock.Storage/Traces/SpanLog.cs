using LatticeLock.Storage.Commits;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Durable span ingest: each export request waits until its spans are committed and confirmed, and the requests that
/// arrive while a commit runs share the next one, through the one <see cref="GroupCommit{TItem, TResult}"/> engine
/// (committer: <see cref="SpanBatchWriter"/>). Batching settings: section <see cref="Section"/>.
/// </summary>
public sealed class SpanLog(NpgsqlDataSource dataSource, GroupCommitOptions options, CommitOptions commit, ILogger<SpanLog> logger) : IAsyncDisposable
{
    public const string Section = "LatticeLock:SpanLog";

    /// <summary>The defaults: two commits at a time, each of at most 256 export requests or 32 MiB.</summary>
    public static GroupCommitOptions Defaults(GroupCommitOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.MaxBatchSize = 256;
        o.MaxBatchBytes = 32L * 1024 * 1024;
        o.QueueCapacity = 10_000;
        return o;
    }

    /// <summary>The engine (drained by the silo with every other group commit).</summary>
    public GroupCommit<SpanBatch, SpanBatchResult> Commits { get; } = new("spans", Section, options, commit.Timeout,
        () => new SpanBatchWriter(dataSource), SpanBatchSize.Estimate, logger);

    public Task<SpanBatchResult> AppendAsync(SpanBatch batch, CancellationToken cancellationToken) => Commits.AppendAsync(batch, cancellationToken);

    public ValueTask DisposeAsync() => Commits.DisposeAsync();
}
