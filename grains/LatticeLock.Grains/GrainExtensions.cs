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
}
