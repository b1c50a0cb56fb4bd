namespace LatticeLock.Grains.Abstractions.Chats;

[GenerateSerializer, Immutable, Alias("ll.ChatTurn")]
public sealed record ChatTurn(long Seq, TurnRole Role, string Content, string? Model, string? Provider, int? InputTokens, int? OutputTokens, DateTimeOffset CreatedAt);
