using LatticeLock.Storage.Commits;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// The silo-wide, zero-loss model-request log: rows from every grain go through the one
/// <see cref="GroupCommit{TItem, TResult}"/> engine and are committed with binary COPY by
/// <see cref="ModelRequestBatchWriter"/>. A caller's task completes only after its batch's commit was confirmed; a
/// failed batch fails every caller in it and acknowledges nothing. Batching settings: section <see cref="Section"/>.
/// </summary>
public sealed class ModelRequestLog(NpgsqlDataSource dataSource, GroupCommitOptions options, CommitOptions commit, ILogger<ModelRequestLog> logger) : IAsyncDisposable
{
    public const string Section = "LatticeLock:ModelRequestLog";

    /// <summary>The engine (drained by the silo with every other group commit).</summary>
    public GroupCommit<ModelRequestRow, bool> Commits { get; } = new("model requests", Section, options, commit.Timeout,
        () => new ModelRequestBatchWriter(dataSource), ModelRequestRowSize.Estimate, logger);

    /// <summary>
    /// Completes with <c>true</c> once the row is committed, <c>false</c> when a row with this id was already stored
    /// (nothing written). Throws <see cref="Grains.Abstractions.Errors.NotAcknowledgedException"/> when the batch could not be committed.
    /// </summary>
    public Task<bool> AppendAsync(ModelRequestRow row, CancellationToken cancellationToken = default) => Commits.AppendAsync(row, cancellationToken);

    /// <summary>Bytes of rows accepted and not yet answered (committed or failed).</summary>
    public long QueuedBytes => Commits.QueuedBytes;

    public ValueTask DisposeAsync() => Commits.DisposeAsync();
}
