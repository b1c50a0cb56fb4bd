using System.Text.Json;
using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>A column whose value is never null (a uuid, an integer, a boolean, a timestamp).</summary>
public sealed class ValueColumn<T>(string name, NpgsqlDbType dbType, Func<ModelRequestRow, T> get, Func<ModelRequestRow, T, ModelRequestRow> set)
    : ModelRequestColumn(name, dbType) where T : struct
{
    public Func<ModelRequestRow, T> Get { get; } = get;
    public Func<ModelRequestRow, T, ModelRequestRow> Set { get; } = set;
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row) => importer.Write(Get(row), DbType);
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) => Set(row, reader.GetFieldValue<T>(ordinal));
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row) => JsonSerializer.Serialize(writer, Get(row), JsonSerializerOptions.Default);
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.Value(this);
}

/// <summary>A column of a value type that may be null.</summary>
public sealed class NullableColumn<T>(string name, NpgsqlDbType dbType, Func<ModelRequestRow, T?> get, Func<ModelRequestRow, T?, ModelRequestRow> set)
    : ModelRequestColumn(name, dbType) where T : struct
{
    public Func<ModelRequestRow, T?> Get { get; } = get;
    public Func<ModelRequestRow, T?, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.Nullable(this);

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (Get(row) is { } value) importer.Write(value, DbType);
        else importer.WriteNull();
    }

    public override bool IsNull(ModelRequestRow row) => Get(row) is null;
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        Set(row, reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal));
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row) => JsonSerializer.Serialize(writer, Get(row), JsonSerializerOptions.Default);
}

/// <summary>A varchar or text column.</summary>
public sealed class TextColumn(string name, Func<ModelRequestRow, string?> get, Func<ModelRequestRow, string?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar)
{
    public Func<ModelRequestRow, string?> Get { get; } = get;
    public Func<ModelRequestRow, string?, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.Text(this);

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (Get(row) is { } value) importer.Write(value, NpgsqlDbType.Varchar);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        Set(row, reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal));
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row)
    {
        if (Get(row) is { } value) writer.WriteStringValue(value);
        else writer.WriteNullValue();
    }
}

/// <summary>An enum stored as its snake_case wire name in a varchar column.</summary>
public sealed class EnumColumn<TEnum>(string name, Func<ModelRequestRow, TEnum> get, Func<ModelRequestRow, TEnum, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar) where TEnum : struct, Enum
{
    public Func<ModelRequestRow, TEnum> Get { get; } = get;
    public Func<ModelRequestRow, TEnum, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.Enum(this);

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row) => importer.Write(WireNames.Of(Get(row)), NpgsqlDbType.Varchar);
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) => Set(row, WireNames.Parse<TEnum>(reader.GetString(ordinal)));
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row) => writer.WriteStringValue(WireNames.Of(Get(row)));
}

/// <summary>An enum that may be null, stored as its snake_case wire name in a varchar column.</summary>
public sealed class NullableEnumColumn<TEnum>(string name, Func<ModelRequestRow, TEnum?> get, Func<ModelRequestRow, TEnum?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar) where TEnum : struct, Enum
{
    public Func<ModelRequestRow, TEnum?> Get { get; } = get;
    public Func<ModelRequestRow, TEnum?, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.NullableEnum(this);

    public override bool IsNull(ModelRequestRow row) => Get(row) is null;

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (Get(row) is { } value) importer.Write(WireNames.Of(value), NpgsqlDbType.Varchar);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        Set(row, reader.IsDBNull(ordinal) ? null : WireNames.Parse<TEnum>(reader.GetString(ordinal)));
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row)
    {
        if (Get(row) is { } value) writer.WriteStringValue(WireNames.Of(value));
        else writer.WriteNullValue();
    }
}

/// <summary>A jsonb column carried as JSON text.</summary>
public sealed class JsonTextColumn(string name, Func<ModelRequestRow, string?> get, Func<ModelRequestRow, string?, ModelRequestRow> set, string? storedWhenNull = null)
    : ModelRequestColumn(name, NpgsqlDbType.Jsonb)
{
    public Func<ModelRequestRow, string?> Get { get; } = get;
    public Func<ModelRequestRow, string?, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.JsonText(this);

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if ((Get(row) ?? storedWhenNull) is { } value) importer.Write(value, NpgsqlDbType.Jsonb);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row)
    {
        var text = reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        return Set(row, text == storedWhenNull ? null : text);
    }

    /// <summary>The value without insignificant whitespace (what a retry from another serializer may change).</summary>
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row)
    {
        if (Get(row) is not { } text)
        {
            writer.WriteNullValue();
            return;
        }
        using var document = JsonDocument.Parse(text);
        document.RootElement.WriteTo(writer);
    }
}

/// <summary>A bytea column (hex in the canonical form).</summary>
public sealed class BytesColumn(string name, Func<ModelRequestRow, byte[]?> get, Func<ModelRequestRow, byte[]?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Bytea)
{
    public Func<ModelRequestRow, byte[]?> Get { get; } = get;
    public Func<ModelRequestRow, byte[]?, ModelRequestRow> Set { get; } = set;
    public override TResult Accept<TResult>(IModelRequestColumnVisitor<TResult> visitor) => visitor.Bytes(this);

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (Get(row) is { } value) importer.Write(value, NpgsqlDbType.Bytea);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        Set(row, reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal));

    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row)
    {
        if (Get(row) is { } value) writer.WriteStringValue(Convert.ToHexStringLower(value));
        else writer.WriteNullValue();
    }
}
