using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// What the model-request log shows to OpenTelemetry: a span per batch commit (in the trace of its first row's call,
/// linked to the others', so a request's trace leads to the commit that stored it), batch sizes, commit latency,
/// failed batches and queue depth.
/// </summary>
public static class ModelRequestLogTelemetry
{
    public const string Name = "LatticeLock.ModelRequestLog";
    public const string CommitActivity = "commit model requests";
    /// <summary>At most this many caller traces are linked from one commit span.</summary>
    public const int MaxLinks = 128;

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("latticelock.request_log.batch_size", "{row}", "Rows per committed batch");
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("latticelock.request_log.commit_duration", "ms", "Time to commit one batch");
    public static readonly Counter<long> FailedBatches = Meter.CreateCounter<long>("latticelock.request_log.failed_batches", "{batch}", "Batches that could not be committed");

    private static readonly ConcurrentDictionary<ModelRequestLog, Func<int>> Queues = new();

    static ModelRequestLogTelemetry()
    {
        Meter.CreateObservableUpDownCounter("latticelock.request_log.queue_depth", () => Queues.Values.Sum(depth => depth()), "{row}",
            "Rows waiting for a batch");
    }

    internal static void Track(ModelRequestLog log, Func<int> depth) => Queues[log] = depth;
    internal static void Untrack(ModelRequestLog log) => Queues.TryRemove(log, out _);
}
