using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// A provider's price for a model, in USD per million tokens, in effect from <see cref="EffectiveFrom"/> on: one price
/// per token class (cached input, cache writes and reasoning output default to the input and output prices), an
/// optional long-context tier (above <see cref="LongContextThresholdTokens"/> input tokens the input side is priced
/// at <see cref="LongContextInputUsdPerMtok"/> / <see cref="InputUsdPerMtok"/> times its prices, the output side
/// likewise), and a multiplier per service tier (none given: 1). Rows are never changed: setting a price at an
/// existing effective date stores a new row (a new <see cref="Id"/>) and retires the old one, so the row a request
/// was priced from stays readable.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ModelPrice")]
public sealed record ModelPrice(
    string Provider,
    string Model,
    decimal InputUsdPerMtok,
    decimal OutputUsdPerMtok,
    decimal? CachedInputUsdPerMtok,
    DateTimeOffset EffectiveFrom)
{
    /// <summary>How long a silo prices from a copy of the table it read (a change elsewhere reaches it within this).</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);

    /// <summary>The row's id (set when stored; what a priced request records as its price_id).</summary>
    [Id(10)] public long Id { get; init; }
    [Id(11)] public decimal? CacheWriteInputUsdPerMtok { get; init; }
    [Id(12)] public decimal? ReasoningOutputUsdPerMtok { get; init; }
    /// <summary>Requests with more input tokens than this are priced at the long-context prices.</summary>
    [Id(13)] public int? LongContextThresholdTokens { get; init; }
    [Id(14)] public decimal? LongContextInputUsdPerMtok { get; init; }
    [Id(15)] public decimal? LongContextOutputUsdPerMtok { get; init; }
    [Id(16)] public decimal? BatchMultiplier { get; init; }
    [Id(17)] public decimal? FlexMultiplier { get; init; }
    [Id(18)] public decimal? PriorityMultiplier { get; init; }
    /// <summary>Writes to a one-hour prompt cache (default: <see cref="CacheWriteInputUsdPerMtok"/>).</summary>
    [Id(19)] public decimal? CacheWrite1hInputUsdPerMtok { get; init; }
    /// <summary>
    /// The workspace whose override this is (its admins set it; it prices that workspace's requests in place of the
    /// platform's row for the model), or null for the platform's price.
    /// </summary>
    [Id(20)] public Guid? WorkspaceId { get; init; }

    /// <summary>Checks every field; throws InvalidFieldException naming the one at fault.</summary>
    public ModelPrice Validated()
    {
        Require.Text(Provider, "provider", Limits.NameMaxLength);
        Require.Text(Model, "model", Limits.NameMaxLength);
        RequirePrice(InputUsdPerMtok, "input_usd_per_mtok");
        RequirePrice(OutputUsdPerMtok, "output_usd_per_mtok");
        if (CachedInputUsdPerMtok is { } cached) RequirePrice(cached, "cached_input_usd_per_mtok");
        if (CacheWriteInputUsdPerMtok is { } write) RequirePrice(write, "cache_write_input_usd_per_mtok");
        if (CacheWrite1hInputUsdPerMtok is { } write1h) RequirePrice(write1h, "cache_write_1h_input_usd_per_mtok");
        if (ReasoningOutputUsdPerMtok is { } reasoning) RequirePrice(reasoning, "reasoning_output_usd_per_mtok");
        if (LongContextInputUsdPerMtok is { } longInput) RequirePrice(longInput, "long_context_input_usd_per_mtok");
        if (LongContextOutputUsdPerMtok is { } longOutput) RequirePrice(longOutput, "long_context_output_usd_per_mtok");
        if (LongContextThresholdTokens is { } threshold)
        {
            if (threshold < 1) throw new Errors.InvalidFieldException("long_context_threshold_tokens", "must be at least 1");
            if (LongContextInputUsdPerMtok is null) throw new Errors.InvalidFieldException("long_context_input_usd_per_mtok", "is required with long_context_threshold_tokens");
            if (LongContextOutputUsdPerMtok is null) throw new Errors.InvalidFieldException("long_context_output_usd_per_mtok", "is required with long_context_threshold_tokens");
        }
        else if (LongContextInputUsdPerMtok is not null || LongContextOutputUsdPerMtok is not null)
        {
            throw new Errors.InvalidFieldException("long_context_threshold_tokens", "is required with long-context prices");
        }
        RequireMultiplier(BatchMultiplier, "batch_multiplier");
        RequireMultiplier(FlexMultiplier, "flex_multiplier");
        RequireMultiplier(PriorityMultiplier, "priority_multiplier");
        if (EffectiveFrom == default) throw new Errors.InvalidFieldException("effective_from", "is required");
        Require.OptionalId(WorkspaceId, "workspace_id");
        return this;
    }

    /// <summary>Cost of <paramref name="tokens"/> at <paramref name="usdPerMtok"/>, rounded to the 8 decimals stored.</summary>
    public static decimal Cost(int tokens, decimal usdPerMtok) => decimal.Round(tokens * usdPerMtok / 1_000_000m, 8, MidpointRounding.AwayFromZero);

    private static void RequirePrice(decimal value, string field)
    {
        if (value < 0 || value > 999_999.99999999m || decimal.Round(value, 8) != value)
            throw new Errors.InvalidFieldException(field, "must be between 0 and 999999.99999999 USD per million tokens, with at most 8 decimal places");
    }

    private static void RequireMultiplier(decimal? value, string field)
    {
        if (value is { } m && (m < 0 || m > 100 || decimal.Round(m, 4) != m))
            throw new Errors.InvalidFieldException(field, "must be between 0 and 100, with at most 4 decimal places");
    }
}
