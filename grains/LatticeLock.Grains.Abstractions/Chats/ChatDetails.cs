namespace LatticeLock.Grains.Abstractions.Chats;

[GenerateSerializer, Immutable, Alias("ll.ChatDetails")]
public sealed record ChatDetails(Guid Id, Guid SessionId, string? Title, long TurnCount, DateTimeOffset CreatedAt);
