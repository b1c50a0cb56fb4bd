using Npgsql;
using Parquet.Schema;

namespace LatticeLock.Storage.Export;

/// <summary>The PostgreSQL value kinds an export writes, each with one Parquet representation (docs/operations.md, "Export").</summary>
public enum ExportKind { Text, Uuid, Json, SmallInt, Integer, BigInt, Bool, Timestamp, Date, Numeric }

/// <summary>
/// One exported column: its name (as in PostgreSQL), kind, and for decimals the precision and scale PostgreSQL stores
/// (the query casts to exactly that, so every value is written exactly). Every column is nullable in the file.
/// </summary>
public sealed record ExportColumn(string Name, ExportKind Kind, int Precision = 0, int Scale = 0)
{
    /// <summary>The Parquet field: strings as UTF-8 BYTE_ARRAY, decimals as FIXED_LEN_BYTE_ARRAY (what Hive and Athena read), times as UTC microseconds.</summary>
    public DataField Field() => Kind switch
    {
        ExportKind.Text or ExportKind.Uuid or ExportKind.Json => new DataField<string>(Name, nullable: true),
        ExportKind.SmallInt => new DataField<short>(Name, nullable: true),
        ExportKind.Integer => new DataField<int>(Name, nullable: true),
        ExportKind.BigInt => new DataField<long>(Name, nullable: true),
        ExportKind.Bool => new DataField<bool>(Name, nullable: true),
        ExportKind.Timestamp => new DateTimeDataField(Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
        ExportKind.Date => new DateTimeDataField(Name, DateTimeFormat.Date, isAdjustedToUTC: true, unit: null, isNullable: true),
        ExportKind.Numeric => new DecimalDataField(Name, Precision, Scale, forceByteArrayEncoding: true, isNullable: true),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    /// <summary>How the column is stored in the file, for the schema document.</summary>
    public string ParquetType => Kind switch
    {
        ExportKind.Text => "BYTE_ARRAY (STRING)",
        ExportKind.Uuid => "BYTE_ARRAY (STRING): the UUID in its 36-character text form",
        ExportKind.Json => "BYTE_ARRAY (STRING): JSON text",
        ExportKind.SmallInt => "INT32 (INTEGER(16, signed))",
        ExportKind.Integer => "INT32",
        ExportKind.BigInt => "INT64",
        ExportKind.Bool => "BOOLEAN",
        ExportKind.Timestamp => "INT64 (TIMESTAMP(MICROS, adjusted to UTC))",
        ExportKind.Date => "INT32 (DATE)",
        ExportKind.Numeric => $"FIXED_LEN_BYTE_ARRAY (DECIMAL({Precision},{Scale}))",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    /// <summary>The SQL expression that reads the column in the form the buffer takes (jsonb as text, decimals at their exact scale).</summary>
    public string Select(string expression) => Kind switch
    {
        ExportKind.Json => $"{expression}::text",
        ExportKind.Numeric => $"{expression}::numeric({Precision},{Scale})",
        _ => expression,
    };

    /// <summary>A buffer collecting a row group's values of this column.</summary>
    public ExportColumnBuffer Buffer() => Kind switch
    {
        ExportKind.Text or ExportKind.Json => new TextBuffer(this, static (r, i) => r.GetString(i)),
        ExportKind.Uuid => new TextBuffer(this, static (r, i) => r.GetGuid(i).ToString()),
        ExportKind.SmallInt => new ValueBuffer<short>(this, static (r, i) => r.GetInt16(i)),
        ExportKind.Integer => new ValueBuffer<int>(this, static (r, i) => r.GetInt32(i)),
        ExportKind.BigInt => new ValueBuffer<long>(this, static (r, i) => r.GetInt64(i)),
        ExportKind.Bool => new ValueBuffer<bool>(this, static (r, i) => r.GetBoolean(i)),
        ExportKind.Timestamp => new ValueBuffer<DateTime>(this, static (r, i) => r.GetFieldValue<DateTime>(i)),
        ExportKind.Date => new ValueBuffer<DateTime>(this, static (r, i) => DateTime.SpecifyKind(r.GetFieldValue<DateOnly>(i).ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc)),
        ExportKind.Numeric => new ValueBuffer<decimal>(this, static (r, i) => r.GetDecimal(i)),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };
}
