using System.Diagnostics.Metrics;

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

    /// <summary>
    /// Counts one newly stored request, in the silo that recorded it (instruments are thread-safe and aggregate in
    /// process, so no grain message is needed per request; each silo exports its own figures).
    /// </summary>
    public static void Record(string provider, string modelId, string? taskType, string status, int? latencyMs, int inputTokens, int outputTokens, decimal costUsd)
    {
        var t = new System.Diagnostics.TagList
        {
            { "provider", provider }, { "model", modelId }, { "task_type", taskType ?? "" }, { "status", status },
        };
        Requests.Add(1, t);
        var input = t;
        input.Add("direction", "input");
        Tokens.Add(inputTokens, input);
        var output = t;
        output.Add("direction", "output");
        Tokens.Add(outputTokens, output);
        Cost.Add((double)costUsd, t);
        if (latencyMs is { } l) Latency.Record(l, t);
    }
}
