using LatticeLock.Grains.Prices;
using LatticeLock.Grains.Sessions;
using LatticeLock.Silo.Auth;
using LatticeLock.Silo.Budgets;
using LatticeLock.Silo.Clustering;
using LatticeLock.Silo.Metrics;
using LatticeLock.Silo.Persistence;
using LatticeLock.Silo.Retention;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LatticeLock.Silo.Hosting;

public static class LatticeSiloBuilderExtensions
{
    /// <summary>
    /// Everything a LatticeLock silo needs besides its endpoints and HTTP gateway, part by part. Used by the host, the
    /// test cluster and the benchmark alike, so they run the same silo.
    /// </summary>
    public static ISiloBuilder AddLatticeLock(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.TryAddSingleton(TimeProvider.System); // grains, pumps and sinks share one clock (tests replace it)
        silo.Services.AddLatticeLockPricing();
        silo.Services.AddOptions<ModelRequestRules>().Bind(configuration.GetSection(ModelRequestRules.Section)).ValidateOnStart();
        silo.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ModelRequestRules>, ModelRequestRulesValidator>();
        silo.AddActivityPropagation(); // grain calls join the caller's trace (spans only when a listener exists)
        return silo
            .AddLatticeLockPersistence(configuration)
            .AddLatticeLockBudgetAlerts(configuration)
            .AddLatticeLockMetrics(configuration)
            .AddLatticeLockRetention(configuration)
            .AddLatticeLockClustering(configuration)
            .AddLatticeLockCallAuthorization()
            .UseLatticeLockMembershipTiming(configuration)
            .UseLatticeLockTls(configuration);
    }
}
