using LatticeLock.Grains.Abstractions.Validation;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatticeLock.Silo.Http;

/// <summary>The gateway's JSON: snake_case names, enums as snake_case strings, timestamps as RFC 3339 with an offset.</summary>
public static class JsonSettings
{
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new Rfc3339Converter());
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    /// <summary>Refuses timestamps without an explicit offset: "2026-11-23T10:00:00" could be any time zone.</summary>
    private sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("must be an RFC 3339 timestamp string");
            if (!Rfc3339.TryParse(text, out var value))
                throw new JsonException("must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:00:00Z");
            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
