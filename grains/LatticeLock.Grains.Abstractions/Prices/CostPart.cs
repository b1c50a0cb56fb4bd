namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// One token class of a priced request: <see cref="TokenClass"/> (input, cached_input, cache_write_input, output,
/// reasoning_output), its tokens, the USD per million they were priced at (long-context tier and service-tier
/// multiplier applied) and the USD they cost, rounded to 8 decimals. A request's parts sum to its total cost.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.CostPart")]
public sealed record CostPart(
    [property: Id(0)] string TokenClass,
    [property: Id(1)] int Tokens,
    [property: Id(2)] decimal UsdPerMtok,
    [property: Id(3)] decimal Usd);
