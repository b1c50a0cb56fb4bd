using Npgsql;
using Parquet;

namespace LatticeLock.Storage.Export;

/// <summary>Strings (text, UUIDs, JSON).</summary>
public sealed class TextBuffer(ExportColumn column, Func<NpgsqlDataReader, int, string> read) : ExportColumnBuffer(column)
{
    private readonly List<string?> _values = [];

    public override int Add(NpgsqlDataReader reader, int ordinal)
    {
        var value = reader.IsDBNull(ordinal) ? null : read(reader, ordinal);
        _values.Add(value);
        return 16 + (value?.Length ?? 0) * 2;
    }

    public override async Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken) =>
        await rowGroup.WriteAsync(Field, (IReadOnlyCollection<string>)_values!);

    public override void Clear() => _values.Clear();
}
