using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using LatticeLock.Grains.Abstractions.Errors;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// The one group-commit engine, under the model-request log and the span log. Callers from every grain and request
/// enqueue items; a batcher closes a batch when it holds <see cref="GroupCommitOptions.MaxBatchSize"/> items or
/// <see cref="GroupCommitOptions.MaxBatchBytes"/>, or its oldest item has waited <see cref="GroupCommitOptions.MaxBatchDelay"/>,
/// and commits it through one of <see cref="GroupCommitOptions.ConcurrentBatches"/> committers (each its own
/// connection). Each caller's task completes only after its batch's commit was confirmed within
/// <see cref="CommitOptions.Timeout"/> (synchronous standby included, <see cref="ConfirmedCommit"/>); a failed batch
/// fails every caller in it and acknowledges nothing, and an item PostgreSQL refuses for its data is split out so it
/// fails alone. Memory is bounded in items and bytes; a stop drains what was accepted.
/// </summary>
public sealed class GroupCommit<TItem, TResult> : IGroupCommit, IAsyncDisposable where TItem : notnull
{
    private readonly string _section;
    private readonly GroupCommitOptions _options;
    private readonly TimeSpan _commitTimeout;
    private readonly Func<TItem, long> _sizeOf;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue;
    private readonly Stack<IBatchCommitter<TItem, TResult>> _idle = new();
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _inFlight = [];
    // Every item accepted and not yet answered, so a stopping silo can answer them all (AbandonPendingAfter).
    private readonly ConcurrentDictionary<Pending, byte> _unanswered = new();
    private readonly Task _batcher;
    private readonly KeyValuePair<string, object?> _tag;
    private int _committing;
    private long _queuedBytes;

    /// <param name="name">What the items are, plural ("model requests"): named in spans, metrics and messages.</param>
    /// <param name="section">The configuration section of <paramref name="options"/>, named in messages.</param>
    public GroupCommit(string name, string section, GroupCommitOptions options, TimeSpan commitTimeout,
        Func<IBatchCommitter<TItem, TResult>> newCommitter, Func<TItem, long> sizeOf, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(newCommitter);
        Name = name;
        _section = section;
        _options = options;
        _commitTimeout = commitTimeout;
        _sizeOf = sizeOf;
        _logger = logger;
        _tag = new(GroupCommitTelemetry.LogTag, name);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        for (var i = 0; i < options.ConcurrentBatches; i++) _idle.Push(newCommitter());
        _slots = new SemaphoreSlim(options.ConcurrentBatches, options.ConcurrentBatches);
        _batcher = Task.Run(RunBatcherAsync);
        GroupCommitTelemetry.Track(this, () => _queue.Reader.Count);
    }

    public string Name { get; }

    /// <summary>Bytes of items accepted and not yet answered (committed or failed).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// Completes with the item's answer once its batch is committed and confirmed. Throws
    /// <see cref="OverloadedException"/> (nothing queued) when the item would pass <see cref="GroupCommitOptions.QueueCapacityBytes"/>,
    /// <see cref="NotAcknowledgedException"/> when its batch could not be committed, or the committer's refusal of its data.
    /// </summary>
    public async Task<TResult> AppendAsync(TItem item, CancellationToken cancellationToken = default)
    {
        // One item is always let through when nothing else is waiting, however large.
        var size = _sizeOf(item);
        var total = Interlocked.Add(ref _queuedBytes, size);
        if (total > _options.QueueCapacityBytes && total != size)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            throw new OverloadedException(
                $"the {Name} log already holds {(total - size) / (1024 * 1024)} MiB awaiting commit ({_section}:QueueCapacityBytes); nothing was recorded, retry shortly");
        }
        var pending = new Pending(item, size, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously),
            Stopwatch.GetTimestamp(), Activity.Current?.Context ?? default);
        _unanswered.TryAdd(pending, 0);
        try
        {
            try
            {
                await _queue.Writer.WriteAsync(pending, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new NotAcknowledgedException($"the {Name} log is stopped (shutting down); nothing was recorded");
            }
            // Once queued, the item may commit whatever the caller does, so the outcome is always awaited: a caller that
            // gave up could not tell a stored item from a lost one. The commit timeout bounds the wait.
            return await pending.Done.Task;
        }
        finally
        {
            _unanswered.TryRemove(pending, out _);
            Interlocked.Add(ref _queuedBytes, -size);
        }
    }

    private async Task RunBatcherAsync()
    {
        try
        {
            await BatchUntilCompletedAsync();
        }
        catch (Exception e)
        {
            // Never leave callers waiting on a dead batcher: refuse new items and fail the queued ones.
            _logger.LogCritical(e, "The {Log} batcher stopped unexpectedly; queued items are failed, new ones refused", Name);
            _queue.Writer.TryComplete(e);
            var failure = new NotAcknowledgedException($"the {Name} log stopped ({e.GetType().Name}); nothing was recorded");
            while (_queue.Reader.TryRead(out var pending)) pending.Done.TrySetException(failure);
        }
    }

    private async Task BatchUntilCompletedAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            // Take a committer first: while all are busy, items pile up and the next batch is bigger.
            await _slots.WaitAsync();
            var batch = await CollectBatchAsync(reader);
            if (batch.Count == 0)
            {
                _slots.Release();
                continue;
            }
            IBatchCommitter<TItem, TResult> committer;
            lock (_idle) committer = _idle.Pop();
            var commit = CommitAsync(committer, batch);
            lock (_inFlight)
            {
                _inFlight.RemoveAll(t => t.IsCompleted);
                _inFlight.Add(commit);
            }
        }
    }

    /// <summary>
    /// Takes every waiting item up to the batch's size and bytes. Only when no other batch is committing does it wait
    /// for more, until the oldest item has waited <see cref="GroupCommitOptions.MaxBatchDelay"/>: while a commit is in
    /// flight, callers are blocked on it, so waiting would add latency without adding items.
    /// </summary>
    private async Task<List<Pending>> CollectBatchAsync(ChannelReader<Pending> reader)
    {
        var batch = new List<Pending>(Math.Min(_options.MaxBatchSize, 1024));
        long bytes = 0;
        bool TakeWaiting()
        {
            while (batch.Count < _options.MaxBatchSize && bytes < _options.MaxBatchBytes && reader.TryPeek(out var next))
            {
                if (batch.Count > 0 && bytes + next.Size > _options.MaxBatchBytes) return false;
                reader.TryRead(out _);
                batch.Add(next);
                bytes += next.Size;
            }
            return batch.Count < _options.MaxBatchSize && bytes < _options.MaxBatchBytes;
        }
        if (!TakeWaiting() || batch.Count == 0 || Volatile.Read(ref _committing) > 0) return batch;

        var remaining = _options.MaxBatchDelay - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
        if (remaining <= TimeSpan.Zero) return batch;
        using var linger = new CancellationTokenSource(remaining);
        try
        {
            while (await reader.WaitToReadAsync(linger.Token) && TakeWaiting())
            {
            }
        }
        catch (OperationCanceledException)
        {
            // The oldest item has waited long enough.
        }
        return batch;
    }

    private async Task CommitAsync(IBatchCommitter<TItem, TResult> committer, List<Pending> batch)
    {
        Interlocked.Increment(ref _committing);
        await Task.Yield();
        try
        {
            await CommitOrSplitAsync(committer, batch);
        }
        finally
        {
            Interlocked.Decrement(ref _committing);
            lock (_idle) _idle.Push(committer);
            _slots.Release();
        }
    }

    /// <summary>
    /// Commits the items; when PostgreSQL rejects an item's data (a constraint or a value it cannot store), halves the
    /// batch until the offending items stand alone, so one bad item never fails its neighbours. Any other failure
    /// (connection, timeout, an unconfirmed commit) fails every caller in the batch.
    /// </summary>
    private async Task CommitOrSplitAsync(IBatchCommitter<TItem, TResult> committer, List<Pending> items)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = StartCommitActivity(items);
            var results = await ConfirmedCommit.WithinAsync(_commitTimeout,
                token => committer.CommitAsync(items.ConvertAll(p => p.Item), token), CancellationToken.None);
            GroupCommitTelemetry.BatchSize.Record(items.Count, _tag);
            GroupCommitTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tag);
            for (var i = 0; i < items.Count; i++) items[i].Done.TrySetResult(results[i]);
            _logger.LogDebug("Committed {Items} {Log} in {Elapsed}", items.Count, Name, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (IsItemDataError(e) && items.Count > 1)
        {
            var half = items.Count / 2;
            await CommitOrSplitAsync(committer, items[..half]);
            await CommitOrSplitAsync(committer, items[half..]);
        }
        catch (PostgresException e) when (IsItemDataError(e))
        {
            // One item alone that PostgreSQL refuses for its data: permanent (a retry would fail the same way), so the
            // committer's 400 naming the field, not a 503 that clients retry forever.
            _logger.LogWarning(e, "One of the {Log} was refused by the database for its data", Name);
            var failure = committer.Refused(e);
            foreach (var p in items) p.Done.TrySetException(failure);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A batch of {Items} {Log} could not be committed; every caller in it is failed", items.Count, Name);
            GroupCommitTelemetry.FailedBatches.Add(1, _tag);
            var failure = new NotAcknowledgedException(
                $"the batch of {items.Count} {Name} holding this one could not be committed ({Describe(e)}); " +
                "it was not acknowledged: retry with the same id (if it was stored after all, the retry is recognised as a duplicate)");
            foreach (var p in items) p.Done.TrySetException(failure);
        }
    }

    /// <summary>
    /// A span for one commit (when anyone listens): a child of the first item's call, so a request's trace ends in the
    /// commit that stored it, and linked to the other items' calls, whose traces it also completes.
    /// </summary>
    private Activity? StartCommitActivity(List<Pending> items)
    {
        if (!GroupCommitTelemetry.Source.HasListeners()) return null;
        var links = new List<ActivityLink>();
        foreach (var p in items.Skip(1))
        {
            if (p.Caller == default) continue;
            links.Add(new ActivityLink(p.Caller));
            if (links.Count == GroupCommitTelemetry.MaxLinks) break;
        }
        var activity = GroupCommitTelemetry.Source.StartActivity($"commit {Name}", ActivityKind.Internal,
            parentContext: items[0].Caller, tags: null, links: links);
        activity?.SetTag("latticelock.items", items.Count);
        return activity;
    }

    /// <summary>Errors caused by an item's values (SQLSTATE classes 22, 23 and 54, or a value Npgsql cannot encode), not by the database.</summary>
    private static bool IsItemDataError(Exception e) =>
        e is PostgresException { SqlState: ['2', '2' or '3', ..] or ['5', '4', ..] } || e is ArgumentException or InvalidCastException;

    private static string Describe(Exception e) => e switch
    {
        // Callers see the SQLSTATE or the kind of failure, never driver text or host names (the log has them).
        PostgresException pg => $"SQLSTATE {pg.SqlState}",
        TimeoutException t => t.Message,
        NpgsqlException => "the database is unavailable",
        _ => e.GetType().Name,
    };

    /// <summary>
    /// Called when the silo begins to stop: items still unanswered after <paramref name="drain"/> are answered with a
    /// failure (503: not acknowledged, retry with the same id), whether their batch is queued or hangs in its commit.
    /// A commit that completes later stores the item, and the retry is then answered as the duplicate it is.
    /// </summary>
    public void AbandonPendingAfter(TimeSpan drain) => _ = Task.Run(async () =>
    {
        await Task.Delay(drain);
        var failure = new NotAcknowledgedException(
            $"the silo is stopping and this write's commit did not finish within {drain.TotalSeconds:0.#} s ({CommitOptions.Section}:ShutdownDrainTimeout); " +
            "it was not acknowledged: retry with the same id");
        var abandoned = 0;
        foreach (var pending in _unanswered.Keys)
        {
            if (pending.Done.TrySetException(failure)) abandoned++;
        }
        if (abandoned > 0) _logger.LogWarning("Stopping: {Items} {Log} still uncommitted after {Drain} were answered 503", abandoned, Name, drain);
    });

    /// <summary>Stops taking items and waits until every queued item is committed (or failed).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _batcher.WaitAsync(cancellationToken);
        Task[] pending;
        lock (_inFlight) pending = [.. _inFlight];
        await Task.WhenAll(pending).WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        foreach (var committer in _idle) await committer.DisposeAsync();
        GroupCommitTelemetry.Untrack(this);
        _slots.Dispose();
    }

    private sealed record Pending(TItem Item, long Size, TaskCompletionSource<TResult> Done, long EnqueuedAt, ActivityContext Caller);
}
