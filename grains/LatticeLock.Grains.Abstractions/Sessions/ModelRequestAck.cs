namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// <paramref name="WasDuplicate"/>: the id was already recorded, so this call stored and counted nothing. The costs
/// are those stored for this call (computed from the price table when the request carried none).
/// <paramref name="ReservationSettled"/>: for a request carrying a reservation id, whether that reservation was live
/// and is now settled (false: unknown, expired, released or another project's; the request is stored anyway).
/// <see cref="PriceId"/>: the price row the costs were computed from (cost source price_table).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ModelRequestAck")]
public sealed record ModelRequestAck(Guid RequestId, bool WasDuplicate, decimal? InputCostUsd = null, decimal? OutputCostUsd = null, CostSource CostSource = CostSource.Client, bool? ReservationSettled = null)
{
    [Id(10)] public long? PriceId { get; init; }
}
