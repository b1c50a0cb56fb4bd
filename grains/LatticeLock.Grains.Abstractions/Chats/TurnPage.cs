namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>
/// One page of turns, ascending by seq, holding at most <see cref="Validation.Limits.MaxTurnPageBytes"/> of content.
/// <see cref="NextAfter"/>: read on with <c>after</c> = it (newer turns exist); <see cref="NextBefore"/>: read back with
/// <c>before</c> = it (older turns exist). Null when there is nothing further that way.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.TurnPage")]
public sealed record TurnPage(
    [property: Id(0)] IReadOnlyList<ChatTurn> Turns,
    [property: Id(1)] long? NextAfter,
    [property: Id(2)] long? NextBefore);
