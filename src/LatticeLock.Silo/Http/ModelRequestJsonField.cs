using System.Text.Json;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.ModelRequests;

namespace LatticeLock.Silo.Http;

/// <summary>
/// The gateway's JSON rules for one field of a model request; <see cref="All"/> has one per stored column (<see cref="ModelRequestColumns"/>; the
/// JSON name is the column name): which fields a body must carry, how each is read from a body (a mistyped value is a
/// <see cref="JsonException"/> naming what it must be) and written in an answer. Built once, by visiting each column's
/// kind, so a new column needs no line here unless it is required.
/// </summary>
public sealed class ModelRequestJsonField
{
    /// <summary>Fields a body must carry (a missing one is a 400 naming it).</summary>
    public static readonly IReadOnlySet<string> Required = new HashSet<string>(["session_id", "model_id", "provider", "requested_at", "status"], StringComparer.Ordinal);

    public delegate ModelRequestRow Reader(JsonElement value, ModelRequestRow row, JsonSerializerOptions options);
    public delegate void Writer(Utf8JsonWriter writer, ModelRequestRow row, JsonSerializerOptions options);

    /// <summary>Every column's field, in declared order.</summary>
    public static readonly IReadOnlyList<ModelRequestJsonField> All = [.. ModelRequestColumns.All.Select(c => c.Accept(new Rules()))];

    /// <summary>The fields answers carry: every column read back.</summary>
    public static readonly IReadOnlyList<ModelRequestJsonField> Answered = [.. All.Where(f => !f.Column.WriteOnly)];

    private ModelRequestJsonField(ModelRequestColumn column, Reader read, Writer write)
    {
        Column = column;
        Read = read;
        Write = write;
    }

    public ModelRequestColumn Column { get; }
    public string Name => Column.Name;
    public bool IsRequired => Required.Contains(Column.Name);
    /// <summary>Set by LatticeLock (user, project, cost source, price): ignored in a body.</summary>
    public bool ServerSet => Column.ServerSet;
    public Reader Read { get; }
    public Writer Write { get; }

    private sealed class Rules : IModelRequestColumnVisitor<ModelRequestJsonField>
    {
        public ModelRequestJsonField Value<T>(ValueColumn<T> c) where T : struct => new(c,
            (value, row, options) => c.Set(row, value.ValueKind == JsonValueKind.Null ? throw new JsonException("must not be null") : value.Deserialize<T>(options)),
            (writer, row, options) => JsonSerializer.Serialize(writer, c.Get(row), options));

        public ModelRequestJsonField Nullable<T>(NullableColumn<T> c) where T : struct => new(c,
            (value, row, options) => c.Set(row, value.Deserialize<T?>(options)),
            (writer, row, options) => JsonSerializer.Serialize(writer, c.Get(row), options));

        public ModelRequestJsonField Text(TextColumn c) => new(c,
            (value, row, _) => c.Set(row, value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => value.GetString(),
                _ => throw new JsonException("must be a string"),
            }),
            (writer, row, _) => WriteString(writer, c.Get(row)));

        public ModelRequestJsonField Enum<TEnum>(EnumColumn<TEnum> c) where TEnum : struct, System.Enum => new(c,
            (value, row, _) => value.ValueKind == JsonValueKind.String && WireNames.TryParse<TEnum>(value.GetString(), out var parsed)
                ? c.Set(row, parsed)
                : throw new JsonException($"must be one of {string.Join(", ", WireNames.All<TEnum>())}"),
            (writer, row, _) => writer.WriteStringValue(WireNames.Of(c.Get(row))));

        public ModelRequestJsonField NullableEnum<TEnum>(NullableEnumColumn<TEnum> c) where TEnum : struct, System.Enum => new(c,
            (value, row, _) => value.ValueKind switch
            {
                JsonValueKind.Null => c.Set(row, null),
                JsonValueKind.String when WireNames.TryParse<TEnum>(value.GetString(), out var parsed) => c.Set(row, parsed),
                _ => throw new JsonException($"must be one of {string.Join(", ", WireNames.All<TEnum>())}"),
            },
            (writer, row, _) => WriteString(writer, c.Get(row) is { } v ? WireNames.Of(v) : null));

        /// <summary>In a body any JSON value is taken as it is; answers carry it as JSON, not as a string.</summary>
        public ModelRequestJsonField JsonText(JsonTextColumn c) => new(c,
            (value, row, _) => c.Set(row, value.ValueKind == JsonValueKind.Null ? null : value.GetRawText()),
            (writer, row, _) =>
            {
                if (c.Get(row) is { } text) writer.WriteRawValue(text);
                else writer.WriteNullValue();
            });

        /// <summary>Hexadecimal in JSON.</summary>
        public ModelRequestJsonField Bytes(BytesColumn c) => new(c,
            (value, row, _) => c.Set(row, value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => Convert.FromHexString(value.GetString()!),
                _ => throw new JsonException("must be a hexadecimal string"),
            }),
            (writer, row, _) => WriteString(writer, c.Get(row) is { } v ? Convert.ToHexStringLower(v) : null));

        private static void WriteString(Utf8JsonWriter writer, string? value)
        {
            if (value is null) writer.WriteNullValue();
            else writer.WriteStringValue(value);
        }
    }
}
