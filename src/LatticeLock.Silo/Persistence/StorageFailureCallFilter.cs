using LatticeLock.Grains.Abstractions.Errors;
using Npgsql;

namespace LatticeLock.Silo.Persistence;

/// <summary>
/// Npgsql's exceptions cannot cross the wire to Orleans clients; callers get a <see cref="StorageFailureException"/>
/// carrying the message and SQLSTATE instead of an opaque codec error.
/// </summary>
public sealed class StorageFailureCallFilter(ILogger<StorageFailureCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception outer) when (outer is NpgsqlException || outer.InnerException is NpgsqlException)
        {
            // Orleans wraps grain-storage failures (OrleansException from the state bridge) around Npgsql's.
            var e = outer as NpgsqlException ?? (NpgsqlException)outer.InnerException!;
            var sqlState = (e as PostgresException)?.SqlState;
            logger.LogWarning(e, "Database failure in {Grain}.{Method}", context.TargetId, context.ImplementationMethod.Name);
            throw new StorageFailureException($"database operation failed: {(e is PostgresException pg ? pg.MessageText : e.Message)}", sqlState);
        }
    }
}
