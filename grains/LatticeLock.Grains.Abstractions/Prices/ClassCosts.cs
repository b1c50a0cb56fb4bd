namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// The USD of a request's cache reads, cache writes (both lifetimes) and reasoning tokens, from its breakdown: what
/// cost analytics add up per token class (the uncached input and plain output are the rest of each side).
/// </summary>
public readonly record struct ClassCosts(decimal CachedInputUsd, decimal CacheWriteInputUsd, decimal ReasoningOutputUsd)
{
    public static readonly ClassCosts None = new(0, 0, 0);

    public static ClassCosts Of(IReadOnlyList<CostPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        decimal cached = 0, written = 0, reasoning = 0;
        foreach (var part in parts)
        {
            switch (part.TokenClass)
            {
                case TokenPricing.CachedInput: cached += part.Usd; break;
                case TokenPricing.CacheWriteInput or TokenPricing.CacheWrite1hInput: written += part.Usd; break;
                case TokenPricing.ReasoningOutput: reasoning += part.Usd; break;
            }
        }
        return new(cached, written, reasoning);
    }

    public static ClassCosts operator +(ClassCosts a, ClassCosts b) =>
        new(a.CachedInputUsd + b.CachedInputUsd, a.CacheWriteInputUsd + b.CacheWriteInputUsd, a.ReasoningOutputUsd + b.ReasoningOutputUsd);

    public static ClassCosts operator -(ClassCosts a, ClassCosts b) =>
        new(a.CachedInputUsd - b.CachedInputUsd, a.CacheWriteInputUsd - b.CacheWriteInputUsd, a.ReasoningOutputUsd - b.ReasoningOutputUsd);
}
