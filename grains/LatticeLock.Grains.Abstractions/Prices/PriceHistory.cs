namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// The current price rows by model, each model's oldest first: which row prices a request is the latest one whose
/// <c>effective_from</c> is at or before the request's <c>requested_at</c>. The one lookup used when a request is
/// recorded and when a reprice recomputes it.
/// </summary>
public sealed class PriceHistory
{
    private readonly Dictionary<(string Provider, string Model), ModelPrice[]> _byModel;

    public PriceHistory(IEnumerable<ModelPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _byModel = prices.GroupBy(p => (p.Provider, p.Model))
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.EffectiveFrom).ToArray());
    }

    /// <summary>The latest price with <c>effective_from</c> at or before <paramref name="at"/>, or null.</summary>
    public ModelPrice? Resolve(string provider, string model, DateTimeOffset at)
    {
        if (!_byModel.TryGetValue((provider, model), out var history)) return null;
        ModelPrice? found = null;
        foreach (var p in history)
        {
            if (p.EffectiveFrom > at) break;
            found = p;
        }
        return found;
    }
}
