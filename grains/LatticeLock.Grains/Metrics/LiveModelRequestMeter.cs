using System.Diagnostics.Metrics;
using LatticeLock.Grains.Abstractions.Metrics;

namespace LatticeLock.Grains.Metrics;

/// <summary>Live per-model metrics on the <c>LatticeLock.ModelRequests</c> meter, tagged by provider, model, task type and status.</summary>
public static class LiveModelRequestMeter
{
    public const string MeterName = "LatticeLock.ModelRequests";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("latticelock.model_requests", "{request}");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("latticelock.model_requests.tokens", "{token}");
    private static readonly Counter<double> Cost = Meter.CreateCounter<double>("latticelock.model_requests.cost", "USD");
    private static readonly Histogram<int> Latency = Meter.CreateHistogram<int>("latticelock.model_requests.latency", "ms");

    /// <summary>Adds a batch of samples that share the same tags.</summary>
    public static void Add(MetricSample tags, long requests, long inputTokens, long outputTokens, decimal costUsd, IEnumerable<int> latencies)
    {
        var t = new System.Diagnostics.TagList
        {
            { "provider", tags.Provider }, { "model", tags.ModelId }, { "task_type", tags.TaskType ?? "" }, { "status", tags.Status },
        };
        Requests.Add(requests, t);
        var withDirection = t;
        withDirection.Add("direction", "input");
        Tokens.Add(inputTokens, withDirection);
        var output = t;
        output.Add("direction", "output");
        Tokens.Add(outputTokens, output);
        Cost.Add((double)costUsd, t);
        foreach (var l in latencies) Latency.Record(l, t);
    }
}
