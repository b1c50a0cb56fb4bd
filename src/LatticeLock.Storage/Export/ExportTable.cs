namespace LatticeLock.Storage.Export;

/// <summary>
/// One exported table: its columns (each read by <see cref="ExportColumn.Select"/> from <see cref="From"/>), the rows
/// of one workspace and one UTC day (<c>$1</c> the workspace, <c>$2</c> and <c>$3</c> the day's start and end: dates when
/// the day column is a date, UTC times otherwise), in a stable order, and which column a day is cut by.
/// </summary>
public sealed record ExportTable(string Name, string DayColumn, IReadOnlyList<(ExportColumn Column, string Expression)> Columns, string From, string Where, string OrderBy)
{
    /// <summary>Whether the day column is a date (bounds passed as dates) rather than a time.</summary>
    public bool CutByDate => Columns.Single(c => c.Column.Name == DayColumn).Column.Kind == ExportKind.Date;

    public string Sql => $"SELECT {string.Join(", ", Columns.Select(c => c.Column.Select(c.Expression)))} FROM {From} WHERE {Where} ORDER BY {OrderBy}";
}
