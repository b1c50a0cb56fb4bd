using Microsoft.Extensions.DependencyInjection;

namespace LatticeLock.Grains.Prices;

public static class PricingServiceCollectionExtensions
{
    /// <summary>The pricing policy the session grains apply (which price is in effect, how a request is priced); storage only reads prices.</summary>
    public static IServiceCollection AddLatticeLockPricing(this IServiceCollection services)
    {
        services.AddSingleton<PriceBook>();
        return services;
    }
}
