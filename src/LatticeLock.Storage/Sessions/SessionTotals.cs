namespace LatticeLock.Storage.Sessions;

/// <summary>What <c>model_requests</c> says a session has used; the session grain starts from this on activation.</summary>
public sealed record SessionTotals(long RequestCount, long InputTokens, long OutputTokens, decimal TotalCostUsd, IReadOnlyList<string> Models, DateTimeOffset? LastRequestAt)
{
    public static readonly SessionTotals Empty = new(0, 0, 0, 0m, [], null);

    /// <summary>How many of the counted rows came after the stored checkpoint (what the next activation would re-sum).</summary>
    public long RowsSinceCheckpoint { get; init; }
}
