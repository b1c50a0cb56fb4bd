namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// Current price rows by model, each model's rows ordered by <c>effective_from</c>: the platform's, and each workspace's
/// overrides apart. A request in a workspace is priced from the workspace's latest override in effect at its time when
/// there is one, otherwise from the platform's latest row then. The one lookup used when a request is recorded and
/// when a reprice recomputes it.
/// </summary>
public sealed class PriceHistory
{
    private readonly Dictionary<(Guid? Workspace, string Provider, string Model), ModelPrice[]> _byModel;

    public PriceHistory(IEnumerable<ModelPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _byModel = prices.GroupBy(p => (p.WorkspaceId, p.Provider, p.Model))
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.EffectiveFrom).ToArray());
    }

    /// <summary>
    /// The workspace's latest override with <c>effective_from</c> at or before <paramref name="at"/>, else the platform's
    /// latest such row, or null.
    /// </summary>
    public ModelPrice? Resolve(Guid? workspaceId, string provider, string model, DateTimeOffset at) =>
        (workspaceId is null ? null : Latest((workspaceId, provider, model), at)) ?? Latest((null, provider, model), at);

    private ModelPrice? Latest((Guid? Workspace, string Provider, string Model) key, DateTimeOffset at)
    {
        if (!_byModel.TryGetValue(key, out var history)) return null;
        ModelPrice? found = null;
        foreach (var p in history)
        {
            if (p.EffectiveFrom > at) break;
            found = p;
        }
        return found;
    }
}
