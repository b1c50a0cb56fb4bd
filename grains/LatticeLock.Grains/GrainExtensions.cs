namespace LatticeLock.Grains;

internal static class GrainExtensions
{
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
