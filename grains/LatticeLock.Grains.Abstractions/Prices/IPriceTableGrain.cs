namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// The model price table, for the HTTP API and the typed client (key 0; a stateless worker on every silo). Setting a
/// price at an existing effective date stores a new row and retires the old one; the silo that stored it prices from
/// it at once, the others within <see cref="ModelPrice.CacheLifetime"/>.
/// </summary>
[Alias("ll.IPriceTableGrain")]
public interface IPriceTableGrain : IGrainWithIntegerKey
{
    /// <summary>Checks every field (InvalidFieldException naming the one at fault) and stores the price.</summary>
    [Alias("Set")] Task<PriceSet> Set(ModelPrice price, CancellationToken cancellationToken = default);

    /// <summary>The current rows, optionally of one provider and/or model, oldest first per model.</summary>
    [Alias("List")] Task<IReadOnlyList<ModelPrice>> List(string? provider = null, string? model = null, CancellationToken cancellationToken = default);
}

/// <summary>The stored row, and whether its effective date was new (false: it replaced the row at that date).</summary>
[GenerateSerializer, Immutable, Alias("ll.PriceSet")]
public sealed record PriceSet([property: Id(0)] ModelPrice Price, [property: Id(1)] bool Created);
