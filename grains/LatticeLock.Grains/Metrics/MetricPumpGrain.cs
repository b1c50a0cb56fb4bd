using LatticeLock.Grains.Abstractions.Metrics;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Storage.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Metrics;

/// <summary>
/// Follows one consumer's cursor over model_requests: reads a batch of up to BatchSize points committed after it,
/// hands it to the consumer (which stores it and moves the cursor), and repeats until caught up; then polls every
/// PollInterval. A failing consumer is retried with backoff from the same cursor, so an outage delays points but
/// never loses them, and recording requests never waits for any of this. A reminder re-activates the pump after a
/// silo crash and runs the consumer's upkeep.
/// </summary>
public sealed class MetricPumpGrain(
    MetricConsumerRegistry registry,
    ModelRequestFeed feed,
    MetricCursorStore cursors,
    IOptions<MetricDeliveryOptions> options,
    TimeProvider clock,
    ILogger<MetricPumpGrain> logger) : Grain, IMetricPumpGrain, IRemindable
{
    private const string ReminderName = "metric-pump";
    private const int MaxBatchesPerTick = 20;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private IMetricConsumer? _consumer;
    private MetricCursor? _cursor;
    private IGrainTimer? _timer;
    private int _failures;
    private DateTimeOffset _retryAt;

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _consumer = registry.Find(Name);
        return Task.CompletedTask;
    }

    public async Task Start()
    {
        if (_consumer is null)
        {
            // Not configured on the silo this activation landed on (a rolling configuration change, or a silo with
            // Metrics:Enabled=false). The reminder stays: it wakes the pump again, possibly on a silo that has it.
            DeactivateOnIdle();
            return;
        }
        if (await this.GetReminder(ReminderName) is null)
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.PollInterval) { KeepAlive = true });
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _cursor = null; // re-read once a minute, so an operator's rewind (lattice metrics rewind) takes effect
        await Start();
        await MaintainAsync(CancellationToken.None);
    }

    public async Task<long> CatchUp(CancellationToken cancellationToken)
    {
        var consumer = _consumer ?? throw new InvalidOperationException($"metric consumer '{Name}' is not configured on this silo");
        _cursor = null; // re-read: an operator may have moved it (e.g. rewound it to replay)
        // Everything committed before this call was written by a transaction below this id; rows of those still
        // running elsewhere on the server become readable once they finish, so wait for them (bounded) too.
        var horizon = await feed.NextTransactionIdAsync(cancellationToken);
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(20);
        long delivered = 0;
        while (true)
        {
            var (count, more) = await DeliverBatchAsync(consumer, cancellationToken);
            delivered += count;
            if (more) continue;
            if (await feed.AllFinishedBelowAsync(horizon, cancellationToken))
            {
                // Every earlier transaction has finished; one more read picks up any rows they committed meanwhile.
                var (last, _) = await DeliverBatchAsync(consumer, cancellationToken);
                delivered += last;
                if (last == 0) return delivered;
                continue;
            }
            if (clock.GetUtcNow() > deadline) return delivered;
            await Task.Delay(50, cancellationToken);
        }
    }

    public Task Maintain(CancellationToken cancellationToken) => MaintainAsync(cancellationToken);

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        if (_consumer is null) return;
        try
        {
            await _consumer.MaintainAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Upkeep of metric consumer {Consumer} failed; retried at the next reminder", Name);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_consumer is null || clock.GetUtcNow() < _retryAt) return;
        try
        {
            for (var i = 0; i < MaxBatchesPerTick; i++)
            {
                var (_, more) = await DeliverBatchAsync(_consumer, cancellationToken);
                if (!more) break;
            }
            _failures = 0;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _failures++;
            var delay = new ExponentialBackoff(FirstRetryDelay, options.Value.MaxRetryDelay).DelayBefore(_failures);
            _retryAt = clock.GetUtcNow() + delay;
            MetricDeliveryMeter.RecordFailure(Name);
            logger.LogWarning(e, "Metric consumer {Consumer} failed ({Failures} in a row); retrying from its cursor in {Delay}", Name, _failures, delay);
            try
            {
                await cursors.RecordFailureAsync(Name, $"{e.GetType().Name}: {e.Message}", CancellationToken.None);
            }
            catch (Exception recordFailure)
            {
                logger.LogDebug(recordFailure, "Could not record the failure of metric consumer {Consumer}", Name);
            }
        }
    }

    /// <summary>Delivers one batch; returns its size and whether a full batch suggests more is waiting.</summary>
    private async Task<(int Delivered, bool More)> DeliverBatchAsync(IMetricConsumer consumer, CancellationToken cancellationToken)
    {
        var cursor = _cursor ??= await cursors.GetOrCreateAsync(Name, cancellationToken);
        var batchSize = options.Value.BatchSize;
        var batch = await feed.ReadAfterAsync(cursor, batchSize, cancellationToken);
        if (batch.Points.Count == 0)
        {
            MetricDeliveryMeter.RecordCaughtUp(Name, clock.GetUtcNow());
            return (0, false);
        }
        var result = await consumer.ConsumeAsync(batch, cancellationToken);
        if (!result.Advanced)
        {
            // Someone else moved the cursor (two pumps during a split cluster): continue from where it really is.
            logger.LogInformation("The cursor of metric consumer {Consumer} moved underneath this pump, or a reprice changed costs of the batch it read; re-reading", Name);
            _cursor = null;
            return (0, true);
        }
        _cursor = batch.To;
        MetricDeliveryMeter.RecordDelivered(Name, result.Written, result.Rejected);
        return (batch.Points.Count, batch.Points.Count == batchSize);
    }
}
