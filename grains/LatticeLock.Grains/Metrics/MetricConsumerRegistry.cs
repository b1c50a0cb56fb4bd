using LatticeLock.Metrics.Abstractions;
using LatticeLock.Storage.Metrics;
using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Metrics;

/// <summary>The consumers this deployment feeds: the configured sinks plus the cost aggregates (always on).</summary>
public sealed class MetricConsumerRegistry
{
    private readonly Dictionary<string, IMetricConsumer> _consumers = new(StringComparer.Ordinal);

    public MetricConsumerRegistry(IEnumerable<IMetricSink> sinks, MetricCursorStore cursors, CostAggregationConsumer aggregates, IOptions<MetricDeliveryOptions> options)
    {
        if (!options.Value.Enabled) return;
        var byName = sinks.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var name in options.Value.SinkNames)
        {
            if (!byName.TryGetValue(name, out var sink))
                throw new OptionsValidationException(MetricDeliveryOptions.Section, typeof(MetricDeliveryOptions),
                    [$"{MetricDeliveryOptions.Section}:Sinks names '{name}' but no such sink is registered"]);
            _consumers[name] = new SinkMetricConsumer(sink, cursors);
        }
        _consumers[aggregates.Name] = aggregates;
    }

    public IReadOnlyCollection<string> Names => _consumers.Keys;

    public IMetricConsumer? Find(string name) => _consumers.GetValueOrDefault(name);
}
