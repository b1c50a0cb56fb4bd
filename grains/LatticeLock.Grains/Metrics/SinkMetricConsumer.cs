using LatticeLock.Metrics.Abstractions;
using LatticeLock.Storage.Metrics;

namespace LatticeLock.Grains.Metrics;

/// <summary>
/// Delivers to an external (or separate) time-series store: write, then advance the cursor. A crash between the two
/// re-sends the batch, which the sink's idempotent writes make harmless, so each point is stored once per sink.
/// </summary>
public sealed class SinkMetricConsumer(IMetricSink sink, MetricCursorStore cursors) : IMetricConsumer
{
    public string Name => sink.Name;

    public IMetricSink Sink => sink;

    public async Task<MetricConsumeResult> ConsumeAsync(MetricBatch batch, CancellationToken cancellationToken)
    {
        // A point the store refuses for good is isolated and rejected; only transient failures make the batch retry.
        var result = batch.Points.Count == 0 ? MetricSinkWriteResult.AllWritten(0) : await RefusedPointIsolation.WriteAsync(sink, batch.Points, cancellationToken);
        await cursors.RecordRejectionsAsync(Name, result.Rejected.Select(r => (r.RequestId, r.Reason)), cancellationToken);
        var advanced = await cursors.AdvanceAsync(Name, batch.From, batch.To, result.Written, result.Rejected.Count, cancellationToken);
        return new MetricConsumeResult(advanced, result.Written, result.Rejected.Count);
    }

    public Task MaintainAsync(CancellationToken cancellationToken) =>
        sink is IMaintainedMetricSink maintained ? maintained.MaintainAsync(cancellationToken) : Task.CompletedTask;
}
