namespace LatticeLock.Grains.Abstractions.Chats;

[GenerateSerializer, Immutable, Alias("ll.CreateChat")]
public sealed record CreateChat(Guid SessionId, string? Title);
