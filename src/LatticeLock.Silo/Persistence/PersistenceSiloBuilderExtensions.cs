using LatticeLock.Grains;
using LatticeLock.Storage;
using Orleans.Runtime;

namespace LatticeLock.Silo.Persistence;

public static class PersistenceSiloBuilderExtensions
{
    /// <summary>
    /// Storage: the PostgreSQL data source and repositories, the model-request log (drained by the silo lifecycle) and
    /// its monthly partitions kept ahead,
    /// the filter that turns database failures into errors clients can read, and Orleans grain state and reminders
    /// on the same database through ADO.NET.
    /// </summary>
    public static ISiloBuilder AddLatticeLockPersistence(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = ValidatedPostgresConnectionString.Read(configuration);
        PostgresAdoNetProvider.Register();

        silo.Services.AddLatticeLockStorage(configuration);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ModelRequestLogLifecycle>();
        silo.Services.AddHostedService<ModelRequestPartitionMaintenance>();
        silo.AddIncomingGrainCallFilter<StorageFailureCallFilter>();
        silo.AddAdoNetGrainStorage(GrainStorage.Name, o =>
        {
            o.Invariant = PostgresAdoNetProvider.Invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new TypeNameFreeJsonGrainStorageSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = PostgresAdoNetProvider.Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }
}
