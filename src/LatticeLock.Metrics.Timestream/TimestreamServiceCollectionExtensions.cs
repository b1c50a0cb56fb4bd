using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Timestream;

public static class TimestreamServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TimestreamMetricSink"/> as a singleton <see cref="IMetricSink"/>, with
    /// <see cref="TimestreamOptions"/> bound from <c>Metrics:Timestream</c> and validated at start.
    /// <c>ConnectionStrings:timestream</c> (e.g. <c>http://127.0.0.1:5000</c>), when set, overrides the endpoint.
    /// </summary>
    public static IServiceCollection AddTimestreamMetricSink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetricSinkOptions<TimestreamOptions, TimestreamOptionsValidator>(
            configuration, TimestreamOptions.Section, TimestreamOptions.ConnectionStringName, (o, endpoint) => o.Endpoint = endpoint);
        services.TryAddSingleton(sp => new TimestreamMetricSink(
            sp.GetRequiredService<IOptions<TimestreamOptions>>().Value,
            handler: null,
            sp.GetService<ILoggerFactory>()?.CreateLogger<TimestreamMetricSink>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMetricSink>(sp => sp.GetRequiredService<TimestreamMetricSink>());
        return services;
    }

    /// <summary>
    /// Makes <c>timestream</c> a known sink name, and registers the sink as above when <c>Metrics:Sinks</c> names it.
    /// </summary>
    public static MetricSinksBuilder AddTimestreamMetricSink(this MetricSinksBuilder sinks) =>
        sinks.Add(TimestreamMetricSink.SinkName, (services, configuration) => services.AddTimestreamMetricSink(configuration));
}
