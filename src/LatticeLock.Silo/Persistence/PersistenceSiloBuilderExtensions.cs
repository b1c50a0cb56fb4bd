using LatticeLock.Grains;
using LatticeLock.Storage;
using LatticeLock.Storage.Replication;
using LatticeLock.Silo.Clustering;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;

namespace LatticeLock.Silo.Persistence;

public static class PersistenceSiloBuilderExtensions
{
    /// <summary>
    /// Storage: the PostgreSQL data source and repositories, the group commits (drained by the silo lifecycle) and
    /// its monthly partitions kept ahead,
    /// the filter that turns database failures into errors clients can read, and Orleans grain state and reminders
    /// on the same database through ADO.NET — unless the <c>Orleans</c> section configures those providers (the AppHost's
    /// Orleans resource does, with the same database and serializer), in which case Orleans registers them from it.
    /// </summary>
    /// <summary>How much longer than <c>LatticeLock:Commit:Timeout</c> a grain call may take before Orleans times it out.</summary>
    public static readonly TimeSpan CommitAnswerMargin = TimeSpan.FromSeconds(10);

    public static ISiloBuilder AddLatticeLockPersistence(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = ValidatedPostgresConnectionString.Read(configuration);
        PostgresAdoNetProvider.Register();

        silo.Services.AddLatticeLockStorage(configuration);
        silo.Services.AddSingleton<OrleansConnectionPool>();
        silo.Services.AddSingleton<IPostConfigureOptions<AdoNetReminderTableOptions>>(sp => sp.GetRequiredService<OrleansConnectionPool>());
        silo.Services.AddSingleton<IPostConfigureOptions<AdoNetClusteringSiloOptions>>(sp => sp.GetRequiredService<OrleansConnectionPool>());
        silo.Services.AddHostedService<ConnectionBudgetCheck>();
        silo.Services.AddOptions<ReplicationOptions>()
            .Bind(configuration.GetSection(ReplicationOptions.Section)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>();
        silo.Services.AddSingleton<SynchronousStandbySetting>();
        silo.Services.AddHostedService<SynchronousStandbyGuard>();
        silo.Services.AddSingleton<GroupCommitDrain>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<GroupCommitDrain>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GroupCommitDrain>());
        silo.Services.AddOptions<HostOptions>().Configure<IOptions<SiloHostOptions>>((host, silo) => host.ShutdownTimeout = silo.Value.ShutdownTimeout);
        silo.Services.AlignResponseTimeoutWithCommitTimeout();
        silo.Services.AddHostedService<PartitionMaintenance>();
        silo.AddIncomingGrainCallFilter<StorageFailureCallFilter>();
        // No Orleans grain storage: every grain keeps its state in tables of its own, through its repositories.
        if (!OrleansSectionSettings.ConfiguresReminders(configuration))
        {
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = PostgresAdoNetProvider.Invariant;
                o.ConnectionString = connectionString;
            });
        }
        return silo;
    }

    /// <summary>
    /// A grain call waiting for its row's commit must get the commit's own answer (done, or failed: retry) before
    /// Orleans gives up on the call: the silo's response timeout is kept above <c>LatticeLock:Commit:Timeout</c>, after every
    /// other setting (including <c>LatticeLock:Messaging:ResponseTimeout</c>) was applied.
    /// </summary>
    public static IServiceCollection AlignResponseTimeoutWithCommitTimeout(this IServiceCollection services)
    {
        services.AddOptions<SiloMessagingOptions>().PostConfigure<IOptions<LatticeLock.Storage.Commits.CommitOptions>>((messaging, commit) =>
        {
            var needed = commit.Value.Timeout + CommitAnswerMargin;
            if (messaging.ResponseTimeout < needed) messaging.ResponseTimeout = needed;
        });
        return services;
    }
}
