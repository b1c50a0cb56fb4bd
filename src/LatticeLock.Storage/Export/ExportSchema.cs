namespace LatticeLock.Storage.Export;

/// <summary>The schema document an export writes beside its files: for each table, how its files are laid out and each column's Parquet type.</summary>
public static class ExportSchema
{
    public const int FormatVersion = 1;

    public static object Document { get; } = new
    {
        FormatVersion,
        Layout = "<table>/date=YYYY-MM-DD/<table>.parquet: one file per table per UTC day that has rows (a Hive-style partition named date)",
        Compression = "SNAPPY",
        Notes = "Every column is optional (nullable). Decimals are exact: PostgreSQL's numeric values at the stated precision and scale. " +
                "Times are UTC instants in microseconds. UUIDs are text. JSON columns hold the stored JSON as text.",
        Tables = ExportTables.All.Select(t => new
        {
            t.Name,
            DayColumn = t.DayColumn,
            Columns = t.Columns.Select(c => new { c.Column.Name, c.Column.ParquetType, Nullable = true }),
        }),
    };
}
