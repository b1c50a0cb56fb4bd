using Npgsql;
using Parquet;
using Parquet.Schema;

namespace LatticeLock.Storage.Export;

/// <summary>A row group's values of one column, read from PostgreSQL row by row and written to Parquet at once.</summary>
public abstract class ExportColumnBuffer(ExportColumn column)
{
    public DataField Field { get; } = column.Field();

    /// <summary>Adds the reader's value at <paramref name="ordinal"/>; returns the bytes it holds (for the row group's size bound).</summary>
    public abstract int Add(NpgsqlDataReader reader, int ordinal);

    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken);

    public abstract void Clear();
}
