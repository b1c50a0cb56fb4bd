namespace LatticeLock.Metrics.Bigtable;

/// <summary>One row as read back: its key and its cells in the order Bigtable returned them.</summary>
public sealed record BigtableRow(string Key, IReadOnlyList<BigtableCell> Cells)
{
    /// <summary>The newest value of each column of <paramref name="family"/>, as UTF-8 text, by qualifier.</summary>
    public IReadOnlyDictionary<string, string> Values(string family) => Cells
        .Where(c => c.Family == family)
        .GroupBy(c => c.Qualifier)
        .ToDictionary(g => g.Key, g => System.Text.Encoding.UTF8.GetString(g.MaxBy(c => c.TimestampMicros)!.Value));
}

/// <summary>One cell version.</summary>
public sealed record BigtableCell(string Family, string Qualifier, long TimestampMicros, byte[] Value);
