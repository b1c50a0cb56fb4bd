using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LatticeLock.Storage.Commits;

/// <summary>
/// What the group commits show to OpenTelemetry, each tagged with its log (<c>latticelock.log</c>: "model requests",
/// "spans"): a span per batch commit (<c>commit model requests</c>, in the trace of its first item's call, linked to
/// the others'), batch sizes, commit latency, failed batches and queue depth.
/// </summary>
public static class GroupCommitTelemetry
{
    public const string Name = "LatticeLock.GroupCommit";
    public const string LogTag = "latticelock.log";
    /// <summary>At most this many caller traces are linked from one commit span.</summary>
    public const int MaxLinks = 128;

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("latticelock.group_commit.batch_size", "{item}", "Items per committed batch");
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("latticelock.group_commit.commit_duration", "ms", "Time to commit one batch");
    public static readonly Counter<long> FailedBatches = Meter.CreateCounter<long>("latticelock.group_commit.failed_batches", "{batch}", "Batches that could not be committed");

    private static readonly ConcurrentDictionary<IGroupCommit, Func<int>> Queues = new();

    static GroupCommitTelemetry()
    {
        Meter.CreateObservableUpDownCounter("latticelock.group_commit.queue_depth",
            () => Queues.Select(q => new Measurement<int>(q.Value(), new KeyValuePair<string, object?>(LogTag, q.Key.Name))), "{item}",
            "Items waiting for a batch");
    }

    internal static void Track(IGroupCommit log, Func<int> depth) => Queues[log] = depth;
    internal static void Untrack(IGroupCommit log) => Queues.TryRemove(log, out _);
}
