using System.Diagnostics;
using System.Threading.Channels;
using LatticeLock.Grains.Abstractions.Errors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// The silo-wide, zero-loss model-request log. Callers from every grain enqueue rows; a batcher closes a batch when it
/// reaches <see cref="ModelRequestLogOptions.MaxBatchSize"/> rows or its oldest row has waited
/// <see cref="ModelRequestLogOptions.MaxBatchDelay"/> since it was enqueued, and commits it with binary COPY on one of
/// <see cref="ModelRequestLogOptions.ConcurrentBatches"/> connections. Each caller's task completes only after its
/// batch's transaction has committed; a failed batch fails every caller in it and acknowledges nothing.
/// </summary>
public sealed class ModelRequestLog : IHostedService, IAsyncDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly ModelRequestLogOptions _options;
    private readonly ILogger<ModelRequestLog> _logger;
    private readonly Stack<ModelRequestBatchWriter> _idleWriters = new();
    private readonly SemaphoreSlim _writerSlots;
    private readonly List<Task> _inFlight = [];
    // Every row accepted and not yet answered, so a stopping silo can answer them all (AbandonPendingAfter).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Pending, byte> _unanswered = new();
    private readonly Task _batcher;
    private int _committing;
    private long _queuedBytes; // estimated bytes of rows accepted and not yet answered (ModelRequestRowSize)

    public ModelRequestLog(NpgsqlDataSource dataSource, IOptions<ModelRequestLogOptions> options, ILogger<ModelRequestLog> logger)
    {
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        for (var i = 0; i < _options.ConcurrentBatches; i++) _idleWriters.Push(new ModelRequestBatchWriter(dataSource));
        _writerSlots = new SemaphoreSlim(_options.ConcurrentBatches, _options.ConcurrentBatches);
        _batcher = Task.Run(RunBatcherAsync);
        ModelRequestLogTelemetry.Track(this, () => _queue.Reader.Count);
    }

    /// <summary>
    /// Completes with <c>true</c> once the row is committed, <c>false</c> when a row with this id was already stored
    /// (nothing written). Throws <see cref="ModelRequestLogException"/> when the batch could not be committed.
    /// </summary>
    public async Task<bool> AppendAsync(ModelRequestRow row, CancellationToken cancellationToken = default)
    {
        // Memory is bounded in bytes: a row that would pass QueueCapacityBytes is refused before it is queued (one
        // row is always let through when nothing else is waiting, however large).
        var size = ModelRequestRowSize.Estimate(row);
        var total = Interlocked.Add(ref _queuedBytes, size);
        if (total > _options.QueueCapacityBytes && total != size)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            throw new OverloadedException(
                $"the model-request log already holds {(total - size) / (1024 * 1024)} MiB awaiting commit ({ModelRequestLogOptions.Section}:QueueCapacityBytes); the request was not recorded, retry shortly");
        }
        try
        {
            return await QueueAndAwaitAsync(row, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -size);
        }
    }

    /// <summary>Bytes of rows accepted and not yet answered (committed or failed).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    private async Task<bool> QueueAndAwaitAsync(ModelRequestRow row, CancellationToken cancellationToken)
    {
        var pending = new Pending(row, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp(),
            Activity.Current?.Context ?? default);
        _unanswered.TryAdd(pending, 0);
        try
        {
            try
            {
                await _queue.Writer.WriteAsync(pending, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new ModelRequestLogException("the model-request log is stopped (shutting down); the request was not recorded");
            }
            // Once queued, the row may commit whatever the caller does, so the outcome is always awaited: a caller that
            // gave up could not tell a stored row from a lost one. CommitTimeout bounds the wait.
            return await pending.Committed.Task;
        }
        finally
        {
            _unanswered.TryRemove(pending, out _);
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
            // Never leave callers waiting on a dead batcher: refuse new rows and fail the queued ones.
            _logger.LogCritical(e, "The model-request batcher stopped unexpectedly; queued requests are failed, new ones refused");
            _queue.Writer.TryComplete(e);
            var failure = new ModelRequestLogException($"the model-request log stopped ({e.GetType().Name}); the request was not recorded");
            while (_queue.Reader.TryRead(out var pending)) pending.Committed.TrySetException(failure);
        }
    }

    private async Task BatchUntilCompletedAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            // Take a connection first: while all are busy committing, rows pile up and the next batch is bigger.
            await _writerSlots.WaitAsync();
            var batch = await CollectBatchAsync(reader);
            if (batch.Count == 0)
            {
                _writerSlots.Release();
                continue;
            }
            ModelRequestBatchWriter writer;
            lock (_idleWriters) writer = _idleWriters.Pop();
            var commit = CommitAsync(writer, batch);
            lock (_inFlight)
            {
                _inFlight.RemoveAll(t => t.IsCompleted);
                _inFlight.Add(commit);
            }
        }
    }

    /// <summary>
    /// Takes every waiting row up to the batch size. Only when no other batch is committing does it wait for more,
    /// until the batch's oldest row has waited <see cref="ModelRequestLogOptions.MaxBatchDelay"/>: while a commit is in
    /// flight, callers are blocked on it, so waiting would add latency without adding rows.
    /// </summary>
    private async Task<List<Pending>> CollectBatchAsync(ChannelReader<Pending> reader)
    {
        var batch = new List<Pending>(Math.Min(_options.MaxBatchSize, 1024));
        while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item)) batch.Add(item);
        if (batch.Count == 0 || batch.Count >= _options.MaxBatchSize || Volatile.Read(ref _committing) > 0) return batch;

        var remaining = _options.MaxBatchDelay - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
        if (remaining <= TimeSpan.Zero) return batch;
        using var linger = new CancellationTokenSource(remaining);
        try
        {
            while (batch.Count < _options.MaxBatchSize && await reader.WaitToReadAsync(linger.Token))
            {
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item)) batch.Add(item);
            }
        }
        catch (OperationCanceledException)
        {
            // The oldest row has waited long enough.
        }
        return batch;
    }

    private async Task CommitAsync(ModelRequestBatchWriter writer, List<Pending> batch)
    {
        Interlocked.Increment(ref _committing);
        await Task.Yield();
        try
        {
            // The first occurrence of an id in a batch is written; later ones share its outcome as duplicates.
            var firsts = new Dictionary<Guid, Pending>(batch.Count);
            var repeats = new List<(Pending Repeat, Pending First)>();
            foreach (var p in batch)
            {
                if (firsts.TryGetValue(p.Row.Request.Id, out var first)) repeats.Add((p, first));
                else firsts.Add(p.Row.Request.Id, p);
            }
            await WriteOrSplitAsync(writer, [.. firsts.Values]);
            foreach (var (repeat, first) in repeats)
            {
                if (first.Committed.Task.IsCompletedSuccessfully) repeat.Committed.TrySetResult(false);
                else repeat.Committed.TrySetException(first.Committed.Task.Exception!.InnerException!);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _committing);
            lock (_idleWriters) _idleWriters.Push(writer);
            _writerSlots.Release();
        }
    }

    /// <summary>
    /// Commits the rows; when PostgreSQL rejects a row's data (a constraint or a value it cannot store), halves the
    /// batch until the offending rows stand alone, so one bad row never fails its neighbours. Any other failure
    /// (connection, timeout) fails every caller in the batch.
    /// </summary>
    private async Task WriteOrSplitAsync(ModelRequestBatchWriter writer, List<Pending> items)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = StartCommitActivity(items);
            using var timeout = new CancellationTokenSource(_options.CommitTimeout);
            var inserted = await writer.WriteAsync(items.ConvertAll(p => p.Row), timeout.Token);
            // A commit that returns only because its wait for a synchronous standby was cancelled is on the primary
            // alone (PostgreSQL warns and completes it): not acknowledged, so the callers retry.
            if (timeout.IsCancellationRequested)
                throw new TimeoutException($"the commit outlasted CommitTimeout ({_options.CommitTimeout.TotalSeconds:0.#} s), waiting for a synchronous standby");
            ModelRequestLogTelemetry.BatchSize.Record(items.Count);
            ModelRequestLogTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            activity?.SetTag("latticelock.rows_inserted", inserted.Count);
            foreach (var p in items) p.Committed.TrySetResult(inserted.Contains(p.Row.Request.Id));
            _logger.LogDebug("Committed {Rows} model requests ({Inserted} new) in {Elapsed}", items.Count, inserted.Count, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (IsRowDataError(e) && items.Count > 1)
        {
            var half = items.Count / 2;
            await WriteOrSplitAsync(writer, items[..half]);
            await WriteOrSplitAsync(writer, items[half..]);
        }
        catch (PostgresException e) when (IsRowDataError(e))
        {
            // One row alone that PostgreSQL refuses for its data: permanent (a retry would fail the same way), so a
            // 400 naming the column or constraint's field, not a 503 that clients retry forever.
            _logger.LogWarning(e, "A model request was refused by the database for its data");
            var field = e.ColumnName ?? FieldOfConstraint(e.ConstraintName) ?? "body";
            var failure = new InvalidFieldException(field, $"the database refused the value (SQLSTATE {e.SqlState}{(e.ConstraintName is { } c ? $", constraint {c}" : "")}); nothing was stored");
            foreach (var p in items) p.Committed.TrySetException(failure);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A batch of {Rows} model requests could not be committed; every caller in it is failed", items.Count);
            ModelRequestLogTelemetry.FailedBatches.Add(1);
            var failure = new ModelRequestLogException(
                $"the batch of {items.Count} model requests holding this one could not be committed ({Describe(e)}); " +
                "it was not acknowledged: retry with the same id (if it was stored after all, the retry is recognised as a duplicate)");
            foreach (var p in items) p.Committed.TrySetException(failure);
        }
    }

    /// <summary>
    /// A span for one commit (when anyone listens): a child of the first row's call, so a request's trace ends in the
    /// commit that stored it, and linked to the other rows' calls, whose traces it also completes.
    /// </summary>
    private static Activity? StartCommitActivity(List<Pending> items)
    {
        if (!ModelRequestLogTelemetry.Source.HasListeners()) return null;
        var links = new List<ActivityLink>();
        foreach (var p in items.Skip(1))
        {
            if (p.Caller == default) continue;
            links.Add(new ActivityLink(p.Caller));
            if (links.Count == ModelRequestLogTelemetry.MaxLinks) break;
        }
        var activity = ModelRequestLogTelemetry.Source.StartActivity(ModelRequestLogTelemetry.CommitActivity, ActivityKind.Internal,
            parentContext: items[0].Caller, tags: null, links: links);
        activity?.SetTag("latticelock.rows", items.Count);
        return activity;
    }

    /// <summary>Errors caused by a row's values (SQLSTATE classes 22 and 23, or a value Npgsql cannot encode), not by the database.</summary>
    private static bool IsRowDataError(Exception e) =>
        e is PostgresException { SqlState: ['2', '2' or '3', ..] or ['5', '4', ..] } || e is ArgumentException or InvalidCastException;

    /// <summary>The column a CHECK constraint guards (<c>model_requests_input_tokens_check</c> → <c>input_tokens</c>), when it names one.</summary>
    private static string? FieldOfConstraint(string? constraint) =>
        constraint is null ? null : ModelRequestColumns.All.Select(c => c.Name).Where(c => constraint.Contains($"_{c}_", StringComparison.Ordinal))
            .OrderByDescending(c => c.Length).FirstOrDefault();

    private string Describe(Exception e) => e switch
    {
        // Callers see the SQLSTATE or the kind of failure, never driver text or host names (the log has them).
        PostgresException pg => $"SQLSTATE {pg.SqlState}",
        OperationCanceledException => $"no commit within {_options.CommitTimeout.TotalSeconds:0.#} s",
        NpgsqlException => "the database is unavailable",
        _ => e.GetType().Name,
    };

    /// <summary>
    /// Called when the silo begins to stop: rows still unanswered after <paramref name="drain"/> are answered with a
    /// failure (503: not acknowledged, retry with the same id), whether their batch is queued or hangs in its commit.
    /// A commit that completes later stores the row, and the retry is then answered as the duplicate it is.
    /// </summary>
    public void AbandonPendingAfter(TimeSpan drain) => _ = Task.Run(async () =>
    {
        await Task.Delay(drain);
        var failure = new ModelRequestLogException(
            $"the silo is stopping and this request's commit did not finish within {drain.TotalSeconds:0.#} s ({ModelRequestLogOptions.Section}:ShutdownDrainTimeout); " +
            "it was not acknowledged: retry with the same id");
        var abandoned = 0;
        foreach (var pending in _unanswered.Keys)
        {
            if (pending.Committed.TrySetException(failure)) abandoned++;
        }
        if (abandoned > 0) _logger.LogWarning("Stopping: {Rows} model requests still uncommitted after {Drain} were answered 503", abandoned, drain);
    });

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops taking rows and waits until every queued row is committed (or failed).</summary>
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
        foreach (var writer in _idleWriters) await writer.DisposeAsync();
        ModelRequestLogTelemetry.Untrack(this);
        _writerSlots.Dispose();
    }

    private sealed record Pending(ModelRequestRow Row, TaskCompletionSource<bool> Committed, long EnqueuedAt, ActivityContext Caller);
}
