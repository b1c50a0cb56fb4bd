namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// <paramref name="WasDuplicate"/>: the id was already recorded, so this call stored and counted nothing. The costs
/// are those stored for this call (computed from the price table when the request carried none).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ModelRequestAck")]
public sealed record ModelRequestAck(Guid RequestId, bool WasDuplicate, decimal? InputCostUsd = null, decimal? OutputCostUsd = null, CostSource CostSource = CostSource.Client);
