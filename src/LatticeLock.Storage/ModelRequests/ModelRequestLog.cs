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
    private readonly Task _batcher;
    private int _committing;

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
    }

    /// <summary>
    /// Completes with <c>true</c> once the row is committed, <c>false</c> when a row with this id was already stored
    /// (nothing written). Throws <see cref="ModelRequestLogException"/> when the batch could not be committed.
    /// </summary>
    public async Task<bool> AppendAsync(ModelRequestRow row, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(row, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ModelRequestLogException("the model-request log is stopped (shutting down); the request was not recorded");
        }
        return await pending.Committed.Task.WaitAsync(cancellationToken);
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
            var failure = new ModelRequestLogException($"the model-request log stopped ({e.Message}); the request was not recorded");
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
            // The first occurrence of an id in a batch is written; later ones in the same batch are duplicates.
            var seen = new HashSet<Guid>(batch.Count);
            var rows = new List<ModelRequestRow>(batch.Count);
            foreach (var p in batch)
            {
                if (seen.Add(p.Row.Request.Id)) rows.Add(p.Row);
            }
            var started = Stopwatch.GetTimestamp();
            var inserted = await writer.WriteAsync(rows, CancellationToken.None);
            foreach (var p in batch) p.Committed.TrySetResult(inserted.Remove(p.Row.Request.Id));
            _logger.LogDebug("Committed {Rows} model requests ({Inserted} new) in {Elapsed}", batch.Count, rows.Count, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A batch of {Rows} model requests could not be committed; every caller in it is failed", batch.Count);
            var failure = new ModelRequestLogException(
                $"the batch of {batch.Count} model requests holding this one could not be committed ({Describe(e)}); nothing in it was recorded, retry with the same id");
            foreach (var p in batch) p.Committed.TrySetException(failure);
        }
        finally
        {
            Interlocked.Decrement(ref _committing);
            lock (_idleWriters) _idleWriters.Push(writer);
            _writerSlots.Release();
        }
    }

    private static string Describe(Exception e) => e is PostgresException pg ? $"{pg.MessageText}, SQLSTATE {pg.SqlState}" : e.Message;

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
        _writerSlots.Dispose();
    }

    private sealed record Pending(ModelRequestRow Row, TaskCompletionSource<bool> Committed, long EnqueuedAt);
}
