using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LatticeLock.Metrics.Postgres;

public static class PostgresMetricSinkServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresMetricSink"/> as an <see cref="IMetricSink"/>. It has no settings of its own: it
    /// writes through the <c>NpgsqlDataSource</c> that storage registers, into the LatticeLock database.
    /// </summary>
    public static IServiceCollection AddPostgresMetricSink(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMetricSink, PostgresMetricSink>();
        return services;
    }

    /// <summary>Makes <c>postgres</c> a known sink name, and registers the sink when <c>Metrics:Sinks</c> names it.</summary>
    public static MetricSinksBuilder AddPostgresMetricSink(this MetricSinksBuilder sinks) =>
        sinks.Add(PostgresMetricSink.SinkName, (services, _) => services.AddPostgresMetricSink());
}
