using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Abstractions;

/// <summary>How every sink's options are registered: bound from a section, endpoint overridden Aspire-style by a connection string, validated at start.</summary>
public static class MetricSinkOptionsRegistration
{
    public static IServiceCollection AddMetricSinkOptions<TOptions, TValidator>(
        this IServiceCollection services, IConfiguration configuration, string section, string connectionStringName, Action<TOptions, Uri> setEndpoint)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .PostConfigure(o =>
            {
                var connectionString = configuration.GetConnectionString(connectionStringName);
                if (!string.IsNullOrWhiteSpace(connectionString))
                    setEndpoint(o, Uri.TryCreate(connectionString.Trim(), UriKind.RelativeOrAbsolute, out var endpoint)
                        ? endpoint
                        : new Uri("not-a-url", UriKind.Relative)); // the validator names the setting
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
