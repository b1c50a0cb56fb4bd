using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LatticeLock.TimeSeries.Timestream;

public static class TimestreamServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TimestreamMetricSink"/> as a singleton <see cref="IMetricSink"/>, with
    /// <see cref="TimestreamOptions"/> bound from <c>Metrics:Timestream</c> and validated at start.
    /// <c>ConnectionStrings:timestream</c> (e.g. <c>http://127.0.0.1:5000</c>), when set, overrides the endpoint.
    /// </summary>
    public static IServiceCollection AddTimestreamMetricSink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TimestreamOptions>()
            .Bind(configuration.GetSection(TimestreamOptions.Section))
            .PostConfigure(o =>
            {
                var connectionString = configuration.GetConnectionString(TimestreamOptions.ConnectionStringName);
                if (!string.IsNullOrWhiteSpace(connectionString))
                    o.Endpoint = Uri.TryCreate(connectionString.Trim(), UriKind.RelativeOrAbsolute, out var endpoint)
                        ? endpoint
                        : new Uri("not-a-url", UriKind.Relative); // the validator names the setting

            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TimestreamOptions>, TimestreamOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TimestreamMetricSink(
            sp.GetRequiredService<IOptions<TimestreamOptions>>().Value,
            handler: null,
            sp.GetService<ILoggerFactory>()?.CreateLogger<TimestreamMetricSink>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMetricSink>(sp => sp.GetRequiredService<TimestreamMetricSink>());
        return services;
    }
}
