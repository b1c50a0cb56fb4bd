using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// Where each sink project adds itself with one call (e.g. <c>sinks.AddTimestreamMetricSink()</c>). Every sink added
/// becomes a <see cref="KnownMetricSink"/>; its services are registered only when <paramref name="selected"/> (the
/// parsed <c>Metrics:Sinks</c>) names it, so a sink nobody chose needs no settings and opens no connections.
/// </summary>
public sealed class MetricSinksBuilder(IServiceCollection services, IConfiguration configuration, IReadOnlyCollection<string> selected)
{
    /// <param name="name">The name <c>Metrics:Sinks</c> uses, equal to the sink's <see cref="IMetricSink.Name"/>.</param>
    /// <param name="register">Registers the sink as an <see cref="IMetricSink"/>, with its options validated at start.</param>
    public MetricSinksBuilder Add(string name, Action<IServiceCollection, IConfiguration> register)
    {
        services.AddSingleton(new KnownMetricSink(name));
        if (selected.Contains(name, StringComparer.Ordinal)) register(services, configuration);
        return this;
    }
}
