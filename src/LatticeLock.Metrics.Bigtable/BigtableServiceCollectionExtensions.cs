using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Bigtable;

public static class BigtableServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BigtableMetricSink"/> as a singleton <see cref="IMetricSink"/>, with
    /// <see cref="BigtableOptions"/> bound from <c>Metrics:Bigtable</c> and validated at start.
    /// <c>ConnectionStrings:bigtable</c> (e.g. <c>http://127.0.0.1:8086</c> for the emulator), when set, overrides the endpoint.
    /// </summary>
    public static IServiceCollection AddBigtableMetricSink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetricSinkOptions<BigtableOptions, BigtableOptionsValidator>(
            configuration, BigtableOptions.Section, BigtableOptions.ConnectionStringName, (o, endpoint) => o.Endpoint = endpoint);
        services.TryAddSingleton(sp => new BigtableMetricSink(
            sp.GetRequiredService<IOptions<BigtableOptions>>().Value,
            sp.GetService<ILoggerFactory>()?.CreateLogger<BigtableMetricSink>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMetricSink>(sp => sp.GetRequiredService<BigtableMetricSink>());
        return services;
    }

    /// <summary>
    /// Makes <c>bigtable</c> a known sink name, and registers the sink as above when <c>Metrics:Sinks</c> names it.
    /// </summary>
    public static MetricSinksBuilder AddBigtableMetricSink(this MetricSinksBuilder sinks) =>
        sinks.Add(BigtableMetricSink.SinkName, (services, configuration) => services.AddBigtableMetricSink(configuration));
}
