namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary><paramref name="WasDuplicate"/>: the id was already recorded, so this call stored and counted nothing.</summary>
[GenerateSerializer, Immutable, Alias("ll.ModelRequestAck")]
public sealed record ModelRequestAck(Guid RequestId, bool WasDuplicate);
