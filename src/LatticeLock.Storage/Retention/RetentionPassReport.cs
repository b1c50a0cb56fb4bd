namespace LatticeLock.Storage.Retention;

/// <summary>
/// What one pass of the retention job removed: rows per table, statements run, partitions dropped, rows still held
/// back; <see cref="DeleteSeconds"/> is the time its batch DELETEs took (not stored; 0 when read back).
/// </summary>
public sealed record RetentionPassReport(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, IReadOnlyDictionary<string, long> Deleted, int Statements,
    IReadOnlyList<string> DroppedPartitions, long HeldBack, string? Error, double DeleteSeconds = 0)
{
    public long Rows(string table) => Deleted.TryGetValue(table, out var n) ? n : 0;

    public long TotalRows => Deleted.Values.Sum();
}
