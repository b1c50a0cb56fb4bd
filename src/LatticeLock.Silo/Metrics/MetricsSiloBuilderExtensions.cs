using LatticeLock.Grains.Metrics;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Bigtable;
using LatticeLock.Metrics.Postgres;
using LatticeLock.Metrics.Timestream;
using LatticeLock.Silo.Health;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace LatticeLock.Silo.Metrics;

public static class MetricsSiloBuilderExtensions
{
    /// <summary>
    /// Metric delivery: the <c>Metrics</c> settings, the sinks (each registered only when <c>Metrics:Sinks</c> names
    /// it; an unknown name fails start-up listing the known ones), the pumps' start and the sinks' readiness check.
    /// </summary>
    public static ISiloBuilder AddLatticeLockMetrics(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<MetricDeliveryOptions>().Bind(configuration.GetSection(MetricDeliveryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricDeliveryOptions>, MetricDeliveryOptionsValidator>();
        services.AddSingleton<MetricConsumerRegistry>();

        // A new sink is one project plus one line here.
        new MetricSinksBuilder(services, configuration, MetricDeliveryOptions.SelectedSinks(configuration))
            .AddPostgresMetricSink()
            .AddTimestreamMetricSink()
            .AddBigtableMetricSink();

        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MetricPumpStarter>();
        services.AddSingleton<MetricSinkStatesCache>();
        services.AddHealthChecks().AddCheck<MetricSinksHealthCheck>("metric_sinks", tags: [HealthEndpoints.ReadyTag]);
        return silo;
    }
}
