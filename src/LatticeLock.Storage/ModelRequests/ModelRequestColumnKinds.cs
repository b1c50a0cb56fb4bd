using System.Text.Json;
using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>A column whose value is never null (a uuid, an integer, a boolean, a timestamp).</summary>
public sealed class ValueColumn<T>(string name, NpgsqlDbType dbType, Func<ModelRequestRow, T> get, Func<ModelRequestRow, T, ModelRequestRow> set)
    : ModelRequestColumn(name, dbType) where T : struct
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row) => importer.Write(get(row), DbType);
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) => set(row, reader.GetFieldValue<T>(ordinal));
    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) =>
        set(row, value.ValueKind == JsonValueKind.Null ? throw new JsonException("must not be null") : value.Deserialize<T>(options));
    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, get(row), options);
}

/// <summary>A column of a value type that may be null.</summary>
public sealed class NullableColumn<T>(string name, NpgsqlDbType dbType, Func<ModelRequestRow, T?> get, Func<ModelRequestRow, T?, ModelRequestRow> set)
    : ModelRequestColumn(name, dbType) where T : struct
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (get(row) is { } value) importer.Write(value, DbType);
        else importer.WriteNull();
    }

    public override bool IsNull(ModelRequestRow row) => get(row) is null;
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        set(row, reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal));
    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) =>
        set(row, value.Deserialize<T?>(options));
    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, get(row), options);
}

/// <summary>A varchar or text column.</summary>
public sealed class TextColumn(string name, Func<ModelRequestRow, string?> get, Func<ModelRequestRow, string?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar)
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (get(row) is { } value) importer.Write(value, NpgsqlDbType.Varchar);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        set(row, reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal));
    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) => set(row, value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw new JsonException("must be a string"),
    });
    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options)
    {
        if (get(row) is { } value) writer.WriteStringValue(value);
        else writer.WriteNullValue();
    }
}

/// <summary>An enum stored as its snake_case wire name in a varchar column (the same name as in JSON).</summary>
public sealed class EnumColumn<TEnum>(string name, Func<ModelRequestRow, TEnum> get, Func<ModelRequestRow, TEnum, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar) where TEnum : struct, Enum
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row) => importer.Write(WireNames.Of(get(row)), NpgsqlDbType.Varchar);
    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) => set(row, WireNames.Parse<TEnum>(reader.GetString(ordinal)));
    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) =>
        value.ValueKind == JsonValueKind.String && WireNames.TryParse<TEnum>(value.GetString(), out var parsed)
            ? set(row, parsed)
            : throw new JsonException($"must be one of {string.Join(", ", WireNames.All<TEnum>())}");
    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options) => writer.WriteStringValue(WireNames.Of(get(row)));
}

/// <summary>An enum that may be null, stored as its snake_case wire name in a varchar column (the same name as in JSON).</summary>
public sealed class NullableEnumColumn<TEnum>(string name, Func<ModelRequestRow, TEnum?> get, Func<ModelRequestRow, TEnum?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Varchar) where TEnum : struct, Enum
{
    public override bool IsNull(ModelRequestRow row) => get(row) is null;

    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (get(row) is { } value) importer.Write(WireNames.Of(value), NpgsqlDbType.Varchar);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        set(row, reader.IsDBNull(ordinal) ? null : WireNames.Parse<TEnum>(reader.GetString(ordinal)));
    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) => value.ValueKind switch
    {
        JsonValueKind.Null => set(row, null),
        JsonValueKind.String when WireNames.TryParse<TEnum>(value.GetString(), out var parsed) => set(row, parsed),
        _ => throw new JsonException($"must be one of {string.Join(", ", WireNames.All<TEnum>())}"),
    };
    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options)
    {
        if (get(row) is { } value) writer.WriteStringValue(WireNames.Of(value));
        else writer.WriteNullValue();
    }
}

/// <summary>A jsonb column carried as JSON text; in a request body any JSON value is taken as it is.</summary>
public sealed class JsonTextColumn(string name, Func<ModelRequestRow, string?> get, Func<ModelRequestRow, string?, ModelRequestRow> set, string? storedWhenNull = null)
    : ModelRequestColumn(name, NpgsqlDbType.Jsonb)
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if ((get(row) ?? storedWhenNull) is { } value) importer.Write(value, NpgsqlDbType.Jsonb);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row)
    {
        var text = reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        return set(row, text == storedWhenNull ? null : text);
    }

    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) =>
        set(row, value.ValueKind == JsonValueKind.Null ? null : value.GetRawText());

    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options)
    {
        if (get(row) is { } text) writer.WriteRawValue(text);
        else writer.WriteNullValue();
    }

    /// <summary>The value without insignificant whitespace (what a retry from another serializer may change).</summary>
    public override void WriteCanonical(Utf8JsonWriter writer, ModelRequestRow row)
    {
        if (get(row) is not { } text)
        {
            writer.WriteNullValue();
            return;
        }
        using var document = JsonDocument.Parse(text);
        document.RootElement.WriteTo(writer);
    }
}

/// <summary>A bytea column (hex in JSON).</summary>
public sealed class BytesColumn(string name, Func<ModelRequestRow, byte[]?> get, Func<ModelRequestRow, byte[]?, ModelRequestRow> set)
    : ModelRequestColumn(name, NpgsqlDbType.Bytea)
{
    public override void Write(NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        if (get(row) is { } value) importer.Write(value, NpgsqlDbType.Bytea);
        else importer.WriteNull();
    }

    public override ModelRequestRow Read(NpgsqlDataReader reader, int ordinal, ModelRequestRow row) =>
        set(row, reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal));

    public override ModelRequestRow ReadJson(JsonElement value, ModelRequestRow row, JsonSerializerOptions options) => set(row, value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => Convert.FromHexString(value.GetString()!),
        _ => throw new JsonException("must be a hexadecimal string"),
    });

    public override void WriteJson(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options)
    {
        if (get(row) is { } value) writer.WriteStringValue(Convert.ToHexStringLower(value));
        else writer.WriteNullValue();
    }
}
