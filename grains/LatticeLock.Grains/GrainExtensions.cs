using LatticeLock.Grains.Abstractions.Errors;

namespace LatticeLock.Grains;

internal static class GrainExtensions
{
    /// <summary>
    /// The 404 for an id with nothing stored behind it; the empty activation goes once the call returns, so unknown
    /// (guessed, mistyped, deleted) ids never pile up activations.
    /// </summary>
    public static NotFoundException Missing(this Grain grain, string entity, Guid id)
    {
        grain.DeactivateOnIdle();
        return new NotFoundException(entity, id);
    }

    /// <summary>
    /// Writes grain state; if that fails, the activation is dropped so the next call reloads what is really stored
    /// instead of serving in-memory changes that never reached PostgreSQL.
    /// </summary>
    public static async Task PersistOrDeactivateAsync<T>(this Grain grain, IPersistentState<T> state, CancellationToken cancellationToken)
    {
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            grain.DeactivateOnIdle();
            throw;
        }
    }
}
