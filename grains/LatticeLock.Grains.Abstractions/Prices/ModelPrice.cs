using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>A provider's price for a model, in USD per million tokens, in effect from <see cref="EffectiveFrom"/> on.</summary>
[GenerateSerializer, Immutable, Alias("ll.ModelPrice")]
public sealed record ModelPrice(
    string Provider,
    string Model,
    decimal InputUsdPerMtok,
    decimal OutputUsdPerMtok,
    decimal? CachedInputUsdPerMtok,
    DateTimeOffset EffectiveFrom)
{
    /// <summary>Checks every field; throws InvalidFieldException naming the one at fault.</summary>
    public ModelPrice Validated()
    {
        Require.Text(Provider, "provider", Limits.NameMaxLength);
        Require.Text(Model, "model", Limits.NameMaxLength);
        RequirePrice(InputUsdPerMtok, "input_usd_per_mtok");
        RequirePrice(OutputUsdPerMtok, "output_usd_per_mtok");
        if (CachedInputUsdPerMtok is { } cached) RequirePrice(cached, "cached_input_usd_per_mtok");
        if (EffectiveFrom == default) throw new Errors.InvalidFieldException("effective_from", "is required");
        return this;
    }

    /// <summary>Cost of <paramref name="tokens"/> at <paramref name="usdPerMtok"/>, rounded to the 8 decimals stored.</summary>
    public static decimal Cost(int tokens, decimal usdPerMtok) => decimal.Round(tokens * usdPerMtok / 1_000_000m, 8, MidpointRounding.AwayFromZero);

    private static void RequirePrice(decimal value, string field)
    {
        if (value < 0 || value > 999_999.99999999m || decimal.Round(value, 8) != value)
            throw new Errors.InvalidFieldException(field, "must be between 0 and 999999.99999999 USD per million tokens, with at most 8 decimal places");
    }
}
