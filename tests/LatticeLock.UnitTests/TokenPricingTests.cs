using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.UnitTests;

/// <summary>Token classes priced as providers bill them; every breakdown sums to the costs stored.</summary>
public sealed class TokenPricingTests
{
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ModelRequestRecord Request(int input, int output, int? cached = null, int? written = null, int? reasoning = null, ServiceTier? tier = null) => new()
    {
        Id = Guid.NewGuid(), ModelId = "m", Provider = "p", RequestedAt = From.AddDays(1), InputTokens = input, OutputTokens = output,
        CachedInputTokens = cached, CacheWriteInputTokens = written, ReasoningOutputTokens = reasoning, ServiceTier = tier,
    };

    private static (decimal Input, decimal Output, IReadOnlyList<CostPart> Parts) Price(ModelRequestRecord request, ModelPrice price)
    {
        var parts = TokenPricing.Breakdown(request, price);
        var (input, output) = TokenPricing.Costs(parts);
        Assert.Equal(input + output, parts.Sum(p => p.Usd));
        Assert.Equal(request.InputTokens, parts.Where(p => p.TokenClass is not (TokenPricing.Output or TokenPricing.ReasoningOutput)).Sum(p => p.Tokens));
        Assert.Equal(request.OutputTokens, parts.Where(p => p.TokenClass is TokenPricing.Output or TokenPricing.ReasoningOutput).Sum(p => p.Tokens));
        return (input, output, parts);
    }

    [Fact]
    public void Cached_input_and_reasoning_output_are_priced_by_class_to_the_cent()
    {
        // 1,000 input tokens of which 400 cached, 500 output of which 200 reasoning, at 2.50 / 1.25 / 10.00 USD per million.
        var (input, output, parts) = Price(Request(1000, 500, cached: 400, reasoning: 200), new ModelPrice("p", "m", 2.50m, 10.00m, 1.25m, From));
        Assert.Equal(0.007m, input + output);
        Assert.Equal(
            [new CostPart("input", 600, 2.5m, 0.0015m), new CostPart("cached_input", 400, 1.25m, 0.0005m),
             new CostPart("output", 300, 10m, 0.003m), new CostPart("reasoning_output", 200, 10m, 0.002m)],
            parts);
        Assert.Equal((0.002m, 0.005m), (input, output));
    }

    [Fact]
    public void A_cache_write_is_priced_at_its_premium_and_reasoning_at_its_own_price()
    {
        // Anthropic-style: 3.00 input, 3.75 cache write (1.25x), 0.30 cache read, 15.00 output.
        var price = new ModelPrice("anthropic", "claude", 3.00m, 15.00m, 0.30m, From) { CacheWriteInputUsdPerMtok = 3.75m, ReasoningOutputUsdPerMtok = 20m };
        var (input, output, parts) = Price(Request(10_000, 1_000, cached: 2_000, written: 6_000, reasoning: 500), price);
        Assert.Equal(0.0225m, parts.Single(p => p.TokenClass == "cache_write_input").Usd); // 6,000 at 3.75
        Assert.Equal(2_000 * 3.00m / 1e6m + 2_000 * 0.30m / 1e6m + 0.0225m, input);
        Assert.Equal(500 * 15m / 1e6m + 500 * 20m / 1e6m, output);
    }

    [Fact]
    public void Writes_to_a_one_hour_cache_are_priced_at_their_own_premium()
    {
        // Anthropic-style lifetimes: 3.00 input, 3.75 for a five-minute cache write (1.25x), 6.00 for a one-hour one (2x).
        var price = new ModelPrice("anthropic", "claude", 3.00m, 15.00m, 0.30m, From) { CacheWriteInputUsdPerMtok = 3.75m, CacheWrite1hInputUsdPerMtok = 6.00m };
        var request = Request(10_000, 0, written: 4_000) with { CacheWrite1hInputTokens = 1_000 };
        var (input, _, parts) = Price(request, price);
        Assert.Equal([new CostPart("input", 6_000, 3m, 0.018m), new CostPart("cache_write_input", 3_000, 3.75m, 0.01125m),
            new CostPart("cache_write_1h_input", 1_000, 6m, 0.006m)], parts.Where(p => p.TokenClass != "output"));
        Assert.Equal(0.03525m, input);
        // Without a one-hour price, those writes cost the cache-write price.
        Assert.Equal(0.018m + 4_000 * 3.75m / 1e6m, Price(request, price with { CacheWrite1hInputUsdPerMtok = null }).Input);
        Assert.Equal("cache_write_1h_input_tokens", Assert.Throws<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() =>
            ModelRequestValidation.Validate(Request(100, 10, written: 10) with { CacheWrite1hInputTokens = 11 })).Field);
    }

    [Fact]
    public void Above_the_long_context_threshold_each_side_scales_by_its_long_price()
    {
        // Gemini-style: 1.25 / 10.00 up to 200k input tokens, 2.50 / 15.00 above; cached 0.31 scales with input (x2).
        var price = new ModelPrice("google", "gemini", 1.25m, 10.00m, 0.31m, From)
            { LongContextThresholdTokens = 200_000, LongContextInputUsdPerMtok = 2.50m, LongContextOutputUsdPerMtok = 15.00m };
        var (shortInput, shortOutput, _) = Price(Request(200_000, 1_000), price);
        Assert.Equal((0.25m, 0.01m), (shortInput, shortOutput)); // at the threshold: base prices
        var (longInput, longOutput, parts) = Price(Request(300_000, 1_000, cached: 100_000, reasoning: 400), price);
        Assert.Equal(200_000 * 2.50m / 1e6m + 100_000 * 0.62m / 1e6m, longInput);
        Assert.Equal(1_000 * 15m / 1e6m, longOutput);
        Assert.Equal(0.62m, parts.Single(p => p.TokenClass == "cached_input").UsdPerMtok);
    }

    [Fact]
    public void A_service_tier_multiplies_every_class_and_a_tier_without_a_multiplier_is_standard()
    {
        var price = new ModelPrice("openai", "gpt", 2.00m, 8.00m, 0.50m, From) { BatchMultiplier = 0.5m, PriorityMultiplier = 1.75m };
        var standard = Price(Request(1_000_000, 100_000, cached: 200_000), price);
        var batch = Price(Request(1_000_000, 100_000, cached: 200_000, tier: ServiceTier.Batch), price);
        var priority = Price(Request(1_000_000, 100_000, cached: 200_000, tier: ServiceTier.Priority), price);
        var flex = Price(Request(1_000_000, 100_000, cached: 200_000, tier: ServiceTier.Flex), price);
        Assert.Equal((1.70m, 0.80m), (standard.Input, standard.Output));
        Assert.Equal((0.85m, 0.40m), (batch.Input, batch.Output));
        Assert.Equal((2.975m, 1.40m), (priority.Input, priority.Output));
        Assert.Equal((standard.Input, standard.Output), (flex.Input, flex.Output)); // no flex multiplier on the row: 1
    }

    [Fact]
    public void Without_class_prices_cached_and_written_input_cost_the_input_price_and_a_request_without_classes_prices_as_before()
    {
        var price = new ModelPrice("p", "m", 1.00m, 2.00m, null, From);
        var cachedAndWritten = Price(Request(1_000_000, 500_000, cached: 300_000, written: 100_000), price);
        Assert.Equal((1.00m, 1.00m), (cachedAndWritten.Input, cachedAndWritten.Output));
        var plain = TokenPricing.Breakdown(Request(1_000_000, 500_000), price);
        Assert.Equal([new CostPart("input", 1_000_000, 1m, 1m), new CostPart("output", 500_000, 2m, 1m)], plain);
    }

    [Fact]
    public void A_part_larger_than_its_total_is_refused_naming_the_part()
    {
        Assert.Equal("cached_input_tokens", Assert.Throws<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() =>
            ModelRequestValidation.Validate(Request(100, 10, cached: 101))).Field);
        Assert.Equal("cache_write_input_tokens", Assert.Throws<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() =>
            ModelRequestValidation.Validate(Request(100, 10, cached: 60, written: 41))).Field);
        Assert.Equal("reasoning_output_tokens", Assert.Throws<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() =>
            ModelRequestValidation.Validate(Request(100, 10, reasoning: 11))).Field);
        Assert.Equal("cached_input_tokens", Assert.Throws<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() =>
            ModelRequestValidation.Validate(Request(100, 10, cached: -1))).Field);
        ModelRequestValidation.Validate(Request(100, 10, cached: 60, written: 40, reasoning: 10));
    }
}
