namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>
/// Content is at most 256 KiB of UTF-8. <see cref="TurnId"/> makes the append idempotent: a retry with the same id
/// appends nothing and answers the stored turn (same seq); the same id with other content is a conflict.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.AppendTurn")]
public sealed record AppendTurn(TurnRole Role, string Content, string? Model = null, string? Provider = null, int? InputTokens = null, int? OutputTokens = null,
    Guid? TurnId = null);
