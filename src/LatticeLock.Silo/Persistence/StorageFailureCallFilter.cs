using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage;

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
        catch (Exception e) when (StorageFailures.Translate(e) is { } failure)
        {
            logger.LogWarning(e, "Database failure in {Grain}.{Method}", context.TargetId, context.ImplementationMethod.Name);
            throw failure;
        }
    }
}
