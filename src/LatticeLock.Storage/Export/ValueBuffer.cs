using Npgsql;
using Parquet;

namespace LatticeLock.Storage.Export;

/// <summary>Fixed-size values (integers, booleans, times, decimals).</summary>
public sealed class ValueBuffer<T>(ExportColumn column, Func<NpgsqlDataReader, int, T> read) : ExportColumnBuffer(column) where T : struct
{
    private readonly List<T?> _values = [];

    public override int Add(NpgsqlDataReader reader, int ordinal)
    {
        _values.Add(reader.IsDBNull(ordinal) ? null : read(reader, ordinal));
        return 24;
    }

    public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken) =>
        await rowGroup.WriteAsync<T>(Field, _values.ToArray(), cancellationToken: cancellationToken);

    public override void Clear() => _values.Clear();
}
