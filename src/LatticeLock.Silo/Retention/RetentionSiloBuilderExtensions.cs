using LatticeLock.Grains.Retention;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace LatticeLock.Silo.Retention;

public static class RetentionSiloBuilderExtensions
{
    /// <summary>The retention job: the <c>Retention</c> settings (validated at start-up) and its start on every silo.</summary>
    public static ISiloBuilder AddLatticeLockRetention(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RetentionStarter>();
        return silo;
    }
}
