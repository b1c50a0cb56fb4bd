namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>A stored turn; <see cref="TurnId"/> is the client's id for it, when one was given.</summary>
[GenerateSerializer, Immutable, Alias("ll.ChatTurn")]
public sealed record ChatTurn(long Seq, TurnRole Role, string Content, string? Model, string? Provider, int? InputTokens, int? OutputTokens, DateTimeOffset CreatedAt,
    Guid? TurnId = null);
