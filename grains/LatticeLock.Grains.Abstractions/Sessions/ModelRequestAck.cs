namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// The answer to <c>RecordModelRequest</c>. <paramref name="Stored"/>: the request as it is stored (for a new one, with
/// the costs computed from the price table when it carried none; for a repeat, the row stored by its first attempt), so
/// a caller answers from it without building or reading it again. <paramref name="WasDuplicate"/>: the id was already
/// recorded, so this call stored and counted nothing. <paramref name="ReservationSettled"/>: for a request carrying a
/// reservation id, whether that reservation was live and is now settled (false: unknown, expired, released or another
/// project's; the request is stored anyway).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ModelRequestAck")]
public sealed record ModelRequestAck(ModelRequestRecord Stored, bool WasDuplicate, bool? ReservationSettled = null)
{
    public Guid RequestId => Stored.Id;
    public decimal? InputCostUsd => Stored.InputCostUsd;
    public decimal? OutputCostUsd => Stored.OutputCostUsd;
    public CostSource CostSource => Stored.CostSource;
    /// <summary>The price row the costs were computed from (cost source price_table).</summary>
    public long? PriceId => Stored.PriceId;
}
