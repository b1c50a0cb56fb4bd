namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>The stored turn an append resulted in; <see cref="WasDuplicate"/> when its turn id had been appended before.</summary>
[GenerateSerializer, Immutable, Alias("ll.AppendedTurn")]
public sealed record AppendedTurn([property: Id(0)] ChatTurn Turn, [property: Id(1)] bool WasDuplicate);
