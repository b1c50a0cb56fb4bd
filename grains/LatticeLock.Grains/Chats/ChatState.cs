namespace LatticeLock.Grains.Chats;

/// <summary>What a chat grain persists; turns live as rows in chat_turns, never in this state.</summary>
public sealed class ChatState
{
    public Guid SessionId { get; set; }
    public string? Title { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public bool Exists => CreatedAt != default;
}
