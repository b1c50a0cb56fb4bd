using System.Data.Common;
using LatticeLock.Grains;
using LatticeLock.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;

namespace LatticeLock.Silo.Hosting;

public static class LatticeSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant Orleans uses to find Npgsql.</summary>
    public const string AdoNetInvariant = "Npgsql";

    /// <summary>
    /// Everything a LatticeLock silo needs besides its endpoints: storage services, grain storage, reminders and
    /// clustering (Redis when <c>ConnectionStrings__redis</c> is set, PostgreSQL otherwise). Used by the host, the
    /// test cluster and the benchmark alike.
    /// </summary>
    /// <summary>Registers the sinks named in <c>Metrics:Sinks</c> (default <c>postgres</c>); unknown names fail start-up.</summary>
    private static void AddMetricSinks(IServiceCollection services, IConfiguration configuration)
    {
        var sinks = Storage.Metrics.MetricDeliveryOptions.ParseSinks(
            configuration[$"{Storage.Metrics.MetricDeliveryOptions.Section}:Sinks"] ?? new Storage.Metrics.MetricDeliveryOptions().Sinks);
        if (sinks.Contains(TimeSeries.Postgres.PostgresMetricSink.SinkName))
            services.AddSingleton<TimeSeries.IMetricSink, TimeSeries.Postgres.PostgresMetricSink>();
        if (sinks.Contains(TimeSeries.Timestream.TimestreamMetricSink.SinkName)) TimeSeries.Timestream.TimestreamServiceCollectionExtensions.AddTimestreamMetricSink(services, configuration);
        if (sinks.Contains(TimeSeries.Bigtable.BigtableMetricSink.SinkName)) TimeSeries.Bigtable.BigtableServiceCollectionExtensions.AddBigtableMetricSink(services, configuration);
    }

    private static void AddBudgetAlerts(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Budgets.BudgetWebhookOptions>().Bind(configuration.GetSection(Budgets.BudgetWebhookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Budgets.BudgetWebhookOptions>, Budgets.BudgetWebhookOptionsValidator>();
        // No redirects: a webhook answers itself, it does not send the silo on to another address.
        services.AddHttpClient(Budgets.BudgetAlertWebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHostedService<Budgets.BudgetAlertWebhookDispatcher>();
    }

    public static ISiloBuilder AddLatticeLock(this ISiloBuilder silo, IConfiguration configuration)
    {
        DbProviderFactories.RegisterFactory(AdoNetInvariant, NpgsqlFactory.Instance);
        silo.Services.AddLatticeLockStorage(configuration);
        silo.Services.TryAddSingletonTimeProvider();
        silo.AddIncomingGrainCallFilter<StorageFailureCallFilter>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ModelRequestLogLifecycle>();
        AddBudgetAlerts(silo.Services, configuration);
        AddMetricSinks(silo.Services, configuration);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MetricPumpStarter>();

        var siloOptions = ReadSiloOptions(configuration);
        silo.Services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = siloOptions.ClusterId;
            o.ServiceId = siloOptions.ServiceId;
        });

        // Checked here, before Orleans validates its own provider options, so the message names our setting.
        var database = new DatabaseOptions { ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName) };
        var databaseCheck = new DatabaseOptionsValidator().Validate(null, database);
        if (databaseCheck.Failed) throw new OptionsValidationException(DatabaseOptions.SettingName, typeof(DatabaseOptions), databaseCheck.Failures);
        var connectionString = PostgresConnectionString.Normalize(database.ConnectionString!);

        silo.AddAdoNetGrainStorage(GrainStorage.Name, o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new TypeNameFreeJsonGrainStorageSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = connectionString;
        });

        var redis = RedisClusteringSettings.Read(configuration);
        if (redis is not null)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
        }
        else
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
        }
        return silo;
    }

    public static SiloHostOptions ReadSiloOptions(IConfiguration configuration)
    {
        var options = new SiloHostOptions();
        configuration.GetSection(SiloHostOptions.Section).Bind(options);
        var result = new SiloHostOptionsValidator().Validate(null, options);
        if (result.Failed) throw new OptionsValidationException(SiloHostOptions.Section, typeof(SiloHostOptions), result.Failures);
        return options;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }
}
