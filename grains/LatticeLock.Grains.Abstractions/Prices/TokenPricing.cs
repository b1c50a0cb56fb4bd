using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// The one computation of what a request costs from a price row, class by class:
/// <list type="bullet">
/// <item>input side: uncached input (input_tokens less cache reads and writes) at the input price, cache reads at the
/// cached-input price, cache writes at the cache-write price (each defaulting to the input price), and those of them
/// written to a one-hour cache at the one-hour cache-write price (default: the cache-write price);</item>
/// <item>output side: output less reasoning at the output price, reasoning at the reasoning price (default: output);</item>
/// <item>above the row's long-context threshold (input_tokens), each input-side price is scaled by long-context input ÷
/// input, each output-side price by long-context output ÷ output (a side priced 0 takes the long-context price as is);</item>
/// <item>every price is multiplied by the request's service-tier multiplier (none on the row: 1).</item>
/// </list>
/// Each class's cost is rounded to 8 decimals (half away from zero); the input cost is the sum of the input side, the
/// output cost of the output side, so the breakdown always sums exactly to the stored total.
/// </summary>
public static class TokenPricing
{
    public const string Input = "input", CachedInput = "cached_input", CacheWriteInput = "cache_write_input", CacheWrite1hInput = "cache_write_1h_input",
        Output = "output", ReasoningOutput = "reasoning_output";

    /// <summary>The request's cost per class under <paramref name="price"/>: input and output always, the other classes when they have tokens.</summary>
    public static IReadOnlyList<CostPart> Breakdown(ModelRequestRecord request, ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(price);
        var cached = request.CachedInputTokens ?? 0;
        var written = request.CacheWriteInputTokens ?? 0;
        var writtenFor1h = request.CacheWrite1hInputTokens ?? 0;
        var reasoning = request.ReasoningOutputTokens ?? 0;
        var longContext = price.LongContextThresholdTokens is { } threshold && request.InputTokens > threshold;
        var tier = TierMultiplier(request.ServiceTier, price);

        decimal InputSide(decimal usdPerMtok) => Scaled(usdPerMtok, longContext ? (price.InputUsdPerMtok, price.LongContextInputUsdPerMtok!.Value) : null) * tier;
        decimal OutputSide(decimal usdPerMtok) => Scaled(usdPerMtok, longContext ? (price.OutputUsdPerMtok, price.LongContextOutputUsdPerMtok!.Value) : null) * tier;

        var parts = new List<CostPart>(5) { Part(Input, request.InputTokens - cached - written, InputSide(price.InputUsdPerMtok)) };
        if (cached > 0) parts.Add(Part(CachedInput, cached, InputSide(price.CachedInputUsdPerMtok ?? price.InputUsdPerMtok)));
        if (written - writtenFor1h > 0) parts.Add(Part(CacheWriteInput, written - writtenFor1h, InputSide(price.CacheWriteInputUsdPerMtok ?? price.InputUsdPerMtok)));
        if (writtenFor1h > 0)
            parts.Add(Part(CacheWrite1hInput, writtenFor1h, InputSide(price.CacheWrite1hInputUsdPerMtok ?? price.CacheWriteInputUsdPerMtok ?? price.InputUsdPerMtok)));
        parts.Add(Part(Output, request.OutputTokens - reasoning, OutputSide(price.OutputUsdPerMtok)));
        if (reasoning > 0) parts.Add(Part(ReasoningOutput, reasoning, OutputSide(price.ReasoningOutputUsdPerMtok ?? price.OutputUsdPerMtok)));
        return parts;
    }

    /// <summary>The input and output costs of a breakdown: the sums of its input-side and output-side parts.</summary>
    public static (decimal Input, decimal Output) Costs(IReadOnlyList<CostPart> parts)
    {
        decimal input = 0, output = 0;
        foreach (var part in parts)
        {
            if (part.TokenClass is Output or ReasoningOutput) output += part.Usd;
            else input += part.Usd;
        }
        return (input, output);
    }

    /// <summary>A class's part: its price rounded to 8 decimals first, so tokens × usd_per_mtok ÷ 10⁶ (rounded) is its usd, as shown.</summary>
    private static CostPart Part(string tokenClass, int tokens, decimal usdPerMtok)
    {
        var price = decimal.Round(usdPerMtok, 8, MidpointRounding.AwayFromZero);
        return new CostPart(tokenClass, tokens, price, ModelPrice.Cost(tokens, price));
    }

    /// <summary>A price in the long-context tier: scaled by the side's long ÷ base price (a base of 0 gives the long price).</summary>
    private static decimal Scaled(decimal usdPerMtok, (decimal Base, decimal Long)? tier) => tier switch
    {
        null => usdPerMtok,
        { Base: 0 } t => t.Long,
        { } t => usdPerMtok * t.Long / t.Base,
    };

    private static decimal TierMultiplier(ServiceTier? tier, ModelPrice price) => tier switch
    {
        ServiceTier.Batch => price.BatchMultiplier ?? 1m,
        ServiceTier.Flex => price.FlexMultiplier ?? 1m,
        ServiceTier.Priority => price.PriorityMultiplier ?? 1m,
        _ => 1m,
    };
}
