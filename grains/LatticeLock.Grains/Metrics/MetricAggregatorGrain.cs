using LatticeLock.Grains.Abstractions.Metrics;
using Orleans.Concurrency;

namespace LatticeLock.Grains.Metrics;

/// <summary>
/// Buffers samples per (provider, model, task type, status) and flushes them to <see cref="LiveModelRequestMeter"/>
/// when a buffer reaches <see cref="FlushSize"/> samples or every <see cref="FlushInterval"/>.
/// </summary>
[StatelessWorker]
public sealed class MetricAggregatorGrain : Grain, IMetricAggregatorGrain
{
    public const int FlushSize = 256;
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(string, string, string?, string), Bucket> _buckets = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => { FlushAll(); return Task.CompletedTask; }, new GrainTimerCreationOptions(FlushInterval, FlushInterval));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        FlushAll();
        return Task.CompletedTask;
    }

    public Task Record(MetricSample sample)
    {
        var key = (sample.Provider, sample.ModelId, sample.TaskType, sample.Status);
        if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket(sample);
        bucket.Add(sample);
        if (bucket.Requests >= FlushSize) Flush(key, bucket);
        return Task.CompletedTask;
    }

    private void FlushAll()
    {
        foreach (var (key, bucket) in _buckets.ToList()) Flush(key, bucket);
    }

    private void Flush((string, string, string?, string) key, Bucket bucket)
    {
        _buckets.Remove(key);
        if (bucket.Requests > 0)
            LiveModelRequestMeter.Add(bucket.Tags, bucket.Requests, bucket.InputTokens, bucket.OutputTokens, bucket.CostUsd, bucket.Latencies);
    }

    private sealed class Bucket(MetricSample tags)
    {
        public MetricSample Tags { get; } = tags;
        public long Requests { get; private set; }
        public long InputTokens { get; private set; }
        public long OutputTokens { get; private set; }
        public decimal CostUsd { get; private set; }
        public List<int> Latencies { get; } = [];

        public void Add(MetricSample s)
        {
            Requests++;
            InputTokens += s.InputTokens;
            OutputTokens += s.OutputTokens;
            CostUsd += s.CostUsd;
            if (s.LatencyMs is { } l) Latencies.Add(l);
        }
    }
}
