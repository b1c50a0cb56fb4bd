using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf.Collections;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// OTLP attribute lists as JSON objects (how they are stored: <c>{"gen_ai.request.model":"gpt-4o", …}</c>; arrays and
/// key-value lists nest, bytes become base64) and as a lookup by key for the LLM conventions.
/// </summary>
public sealed class OtlpAttributes
{
    // Attribute lists are short (tens of keys): a linear scan beats building a dictionary per span.
    private readonly RepeatedField<KeyValue> _values;

    public OtlpAttributes(RepeatedField<KeyValue> attributes) => _values = attributes;

    private bool TryGet(string key, out AnyValue value)
    {
        foreach (var attribute in _values)
        {
            if (attribute.Key == key)
            {
                value = attribute.Value ?? new AnyValue();
                return true;
            }
        }
        value = null!;
        return false;
    }

    public string? String(string key) => TryGet(key, out var v) ? v.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => v.StringValue,
        AnyValue.ValueOneofCase.IntValue => v.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => v.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => v.BoolValue ? "true" : "false",
        _ => null,
    } : null;

    public long? Integer(string key) => TryGet(key, out var v) ? v.ValueCase switch
    {
        AnyValue.ValueOneofCase.IntValue => v.IntValue,
        AnyValue.ValueOneofCase.DoubleValue when v.DoubleValue == Math.Floor(v.DoubleValue) && Math.Abs(v.DoubleValue) < 9e15 => (long)v.DoubleValue,
        AnyValue.ValueOneofCase.StringValue when long.TryParse(v.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    } : null;

    public double? Number(string key) => TryGet(key, out var v) ? v.ValueCase switch
    {
        AnyValue.ValueOneofCase.DoubleValue => v.DoubleValue,
        AnyValue.ValueOneofCase.IntValue => v.IntValue,
        AnyValue.ValueOneofCase.StringValue when double.TryParse(v.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    } : null;

    /// <summary>The first of <paramref name="keys"/> that is present, as a string.</summary>
    public string? FirstString(params string[] keys) => keys.Select(String).FirstOrDefault(v => !string.IsNullOrEmpty(v));

    public long? FirstInteger(params string[] keys) => keys.Select(Integer).FirstOrDefault(v => v is not null);

    public double? FirstNumber(params string[] keys) => keys.Select(Number).FirstOrDefault(v => v is not null);

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private static readonly byte[] EmptyArray = "[]"u8.ToArray();

    /// <summary>The attributes as a JSON object, UTF-8 encoded (how rows hold it until stored; shared when empty, never written to).</summary>
    public static byte[] ToJson(RepeatedField<KeyValue> attributes)
    {
        if (attributes.Count == 0) return EmptyObject;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
            WriteObject(json, attributes);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The events as a JSON array of {name, time_unix_nano, attributes}, UTF-8 encoded.</summary>
    public static byte[] EventsToJson(RepeatedField<Span.Types.Event> events)
    {
        if (events.Count == 0) return EmptyArray;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var e in events)
            {
                json.WriteStartObject();
                json.WriteString("name", Clean(e.Name));
                json.WriteString("time_unix_nano", e.TimeUnixNano.ToString(CultureInfo.InvariantCulture));
                json.WritePropertyName("attributes");
                WriteObject(json, e.Attributes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>PostgreSQL text and jsonb cannot hold NUL: it becomes U+FFFD, everything else is kept.</summary>
    public static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;

    private static void WriteObject(Utf8JsonWriter json, RepeatedField<KeyValue> attributes)
    {
        json.WriteStartObject();
        foreach (var attribute in attributes.DistinctBy(a => a.Key)) // a repeated key keeps its first value, as OTLP's SDKs do
        {
            json.WritePropertyName(Clean(attribute.Key));
            WriteValue(json, attribute.Value);
        }
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: json.WriteStringValue(Clean(value.StringValue)); break;
            case AnyValue.ValueOneofCase.BoolValue: json.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: json.WriteNumberValue(value.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue): json.WriteNumberValue(value.DoubleValue); break;
            case AnyValue.ValueOneofCase.DoubleValue: json.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture)); break;
            case AnyValue.ValueOneofCase.BytesValue: json.WriteBase64StringValue(value.BytesValue.Span); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values) WriteValue(json, item);
                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue: WriteObject(json, value.KvlistValue.Values); break;
            default: json.WriteNullValue(); break;
        }
    }
}
