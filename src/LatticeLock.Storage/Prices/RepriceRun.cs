namespace LatticeLock.Storage.Prices;

/// <summary>
/// One run of <see cref="CostRepricer"/>: who asked, the window and filters, how far it got (rows are walked in
/// (requested_at, id) order; <see cref="ResumeAt"/> is the last position done) and what it found: rows examined
/// (table-priced or unpriced ones in the window), rows whose cost changed, rows left as they were because the new
/// price would make them cost more than one request may, and the examined rows' total cost before and after.
/// </summary>
public sealed record RepriceRun(
    Guid Id,
    string RequestedBy,
    DateTimeOffset From,
    DateTimeOffset To,
    string? Provider,
    string? Model,
    string Status,
    DateTimeOffset ResumeAt,
    long RowsExamined,
    long RowsChanged,
    long RowsOverLimit,
    decimal OldTotalUsd,
    decimal NewTotalUsd,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    public const string Running = "running", Finished = "finished";

    public bool IsFinished => Status == Finished;

    /// <summary>The share of the window walked so far, 0 to 1 (by time, not by rows).</summary>
    public double Progress => IsFinished ? 1 : Math.Clamp((ResumeAt - From) / (To - From), 0, 1);
}
