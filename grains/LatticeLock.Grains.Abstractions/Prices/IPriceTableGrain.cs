namespace LatticeLock.Grains.Abstractions.Prices;

/// <summary>
/// The model price table, for the HTTP API and the typed client (key 0; a stateless worker on every silo): the
/// platform's prices, and each workspace's overrides (<see cref="ModelPrice.WorkspaceId"/>). Setting a price at an
/// existing effective date stores a new row and retires the old one; the silo that stored it prices from it at once,
/// the others within <see cref="ModelPrice.CacheLifetime"/>.
/// </summary>
[Alias("ll.IPriceTableGrain")]
public interface IPriceTableGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Checks every field (InvalidFieldException naming the one at fault) and stores the price: the platform's, or the
    /// override of <see cref="ModelPrice.WorkspaceId"/> (NotFoundException when that workspace does not exist).
    /// </summary>
    [Alias("Set")] Task<PriceSet> Set(ModelPrice price, CancellationToken cancellationToken = default);

    /// <summary>The current rows, optionally of one provider and/or model, oldest first per model.</summary>
    [Alias("List")] Task<IReadOnlyList<ModelPrice>> List(string? provider = null, string? model = null, CancellationToken cancellationToken = default);

    /// <summary>The workspace's current overrides, optionally of one provider and/or model, oldest first per model.</summary>
    [Alias("ListOverrides")] Task<IReadOnlyList<ModelPrice>> ListOverrides(Guid workspaceId, string? provider = null, string? model = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Retires the workspace's overrides of the model (its requests are priced from the platform's prices again);
    /// NotFoundException when it has none.
    /// </summary>
    [Alias("RemoveOverride")] Task RemoveOverride(Guid workspaceId, string provider, string model, CancellationToken cancellationToken = default);
}

/// <summary>The stored row, and whether its effective date was new (false: it replaced the row at that date).</summary>
[GenerateSerializer, Immutable, Alias("ll.PriceSet")]
public sealed record PriceSet([property: Id(0)] ModelPrice Price, [property: Id(1)] bool Created);
