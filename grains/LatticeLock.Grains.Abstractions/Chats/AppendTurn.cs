namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>Content is at most 256 KiB of UTF-8.</summary>
[GenerateSerializer, Immutable, Alias("ll.AppendTurn")]
public sealed record AppendTurn(TurnRole Role, string Content, string? Model = null, string? Provider = null, int? InputTokens = null, int? OutputTokens = null);
