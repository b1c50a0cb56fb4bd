namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// Something that takes model requests as metric points in log order and owns a cursor over them: a metric sink, or
/// the cost aggregates. The pump reads a batch after the cursor and hands it over; the consumer stores it and moves
/// the cursor. A consumer that throws has moved nothing and is given the same batch again.
/// </summary>
public interface IMetricConsumer
{
    string Name { get; }

    /// <summary>Stores the batch and advances the cursor from <c>batch.From</c> to <c>batch.To</c>.</summary>
    Task<MetricConsumeResult> ConsumeAsync(MetricBatch batch, CancellationToken cancellationToken);

    /// <summary>Periodic upkeep, run by the pump's reminder (for example partitions created ahead).</summary>
    Task MaintainAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
