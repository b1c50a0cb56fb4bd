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
    /// <summary>
    /// Up to <paramref name="limit"/> (1..1000) of the newest turns before seq <paramref name="before"/> (all when null),
    /// ascending, within the page's byte budget (the oldest are left out first; follow <see cref="TurnPage.NextBefore"/>).
    /// </summary>
    [Alias("GetTurnsBefore")] Task<TurnPage> GetTurnsBefore(long? before, int limit, CancellationToken cancellationToken = default);
    /// <summary>Up to <paramref name="limit"/> (1..1000) turns after seq <paramref name="after"/>, ascending, within the page's byte budget (follow <see cref="TurnPage.NextAfter"/>).</summary>
    [Alias("GetTurnPageAfter")] Task<TurnPage> GetTurnPageAfter(long after, int limit, CancellationToken cancellationToken = default);
    /// <summary>The last <paramref name="last"/> turns (1..1000), ascending by sequence number; fewer when they would pass the page's byte budget.</summary>
    [Alias("GetLastTurns")] Task<IReadOnlyList<ChatTurn>> GetLastTurns(int last, CancellationToken cancellationToken = default);
    /// <summary>Up to <paramref name="limit"/> turns with a sequence number greater than <paramref name="afterSeq"/>, ascending.</summary>
    [Alias("GetTurnsAfter")] Task<IReadOnlyList<ChatTurn>> GetTurnsAfter(long afterSeq, int limit = 1000, CancellationToken cancellationToken = default);
    /// <summary>The retention job removed turns of this chat: the activation forgets what it cached (the job's call alone).</summary>
    [Alias("TurnsExpired")] Task TurnsExpired();
}
