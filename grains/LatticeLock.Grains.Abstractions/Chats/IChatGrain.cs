namespace LatticeLock.Grains.Abstractions.Chats;

/// <summary>A conversation inside a session. Turns are append-only and numbered from 1.</summary>
[Alias("ll.IChatGrain")]
public interface IChatGrain : IGrainWithGuidKey
{
    /// <summary>Creates the chat in an existing, active session.</summary>
    [Alias("Create")] Task<ChatDetails> Create(CreateChat command, CancellationToken cancellationToken = default);
    [Alias("Get")] Task<ChatDetails> Get();
    /// <summary>Appends a turn once it is committed and returns its sequence number (for a repeated turn id, the stored turn's).</summary>
    [Alias("AppendTurn")] Task<long> AppendTurn(AppendTurn turn, CancellationToken cancellationToken = default);
    /// <summary>Appends a turn once it is committed and returns it as stored; a repeated turn id returns the stored turn.</summary>
    [Alias("RecordTurn")] Task<AppendedTurn> RecordTurn(AppendTurn turn, CancellationToken cancellationToken = default);
    /// <summary>The last <paramref name="last"/> turns (1..1000), ascending by sequence number.</summary>
    [Alias("GetLastTurns")] Task<IReadOnlyList<ChatTurn>> GetLastTurns(int last, CancellationToken cancellationToken = default);
    /// <summary>Up to <paramref name="limit"/> turns with a sequence number greater than <paramref name="afterSeq"/>, ascending.</summary>
    [Alias("GetTurnsAfter")] Task<IReadOnlyList<ChatTurn>> GetTurnsAfter(long afterSeq, int limit = 1000, CancellationToken cancellationToken = default);
}
