using System.Text;
using System.Text.Json;
using LatticeLock.Grains.Abstractions.Errors;

namespace LatticeLock.Grains.Abstractions.Validation;

/// <summary>Boundary checks; each failure names the field it rejects.</summary>
public static class Require
{
    public static Guid Id(Guid value, string field) =>
        value == Guid.Empty ? throw new InvalidFieldException(field, "must be a UUID other than the nil UUID") : value;

    public static Guid? OptionalId(Guid? value, string field) => value is { } v ? Id(v, field) : null;

    public static string Text(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new InvalidFieldException(field, "is required and must not be blank");
        return OptionalText(value, field, maxLength)!;
    }

    public static string? OptionalText(string? value, string field, int maxLength)
    {
        if (value is null) return null;
        if (value.Length > maxLength) throw new InvalidFieldException(field, $"must be at most {maxLength} characters (got {value.Length})");
        RequireStorableText(value, field);
        return value;
    }

    /// <summary>Null leaves the value out; otherwise 1..<paramref name="maxLength"/> characters, not blank.</summary>
    public static string? OptionalName(string? value, string field, int maxLength) =>
        value is null ? null : Text(value, field, maxLength);

    public static string Utf8Text(string? value, string field, int maxBytes)
    {
        if (value is null) throw new InvalidFieldException(field, "is required");
        RequireStorableText(value, field);
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > maxBytes) throw new InvalidFieldException(field, $"must be at most {maxBytes} bytes of UTF-8 (got {bytes})");
        return value;
    }

    /// <summary>PostgreSQL text holds valid UTF-8 without NUL: reject NUL characters and unpaired surrogates.</summary>
    private static void RequireStorableText(string value, string field)
    {
        if (value.Contains('\0')) throw new InvalidFieldException(field, "must not contain NUL characters");
        if (value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') && !IsWellFormedUtf16(value))
            throw new InvalidFieldException(field, "contains an unpaired UTF-16 surrogate (not valid Unicode text)");
    }

    private static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }

    public static int NonNegative(int value, string field) =>
        value < 0 ? throw new InvalidFieldException(field, $"must be >= 0 (got {value})") : value;

    public static int? NonNegative(int? value, string field) => value is { } v ? NonNegative(v, field) : null;

    public static decimal Cost(decimal value, string field)
    {
        if (value < 0) throw new InvalidFieldException(field, $"must be >= 0 (got {value})");
        if (value > Limits.MaxCostUsd) throw new InvalidFieldException(field, $"must be at most {Limits.MaxCostUsd}");
        if (value.Scale > Limits.CostScale && decimal.Round(value, Limits.CostScale) != value)
            throw new InvalidFieldException(field, $"must have at most {Limits.CostScale} decimal places");
        return value;
    }

    public static T Defined<T>(T value, string field) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new InvalidFieldException(field, $"unknown value {value}; expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");

    /// <summary>
    /// Checks that <paramref name="json"/> is one well-formed JSON value within the size limit (and an object when
    /// asked) that PostgreSQL's jsonb will also accept: every string and property name decodes to valid Unicode
    /// without NUL, and every number fits a double.
    /// </summary>
    public static string? OptionalJson(string? json, string field, int maxBytes = Limits.JsonMaxBytes, bool mustBeObject = false)
    {
        if (json is null) return null;
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > maxBytes) throw new InvalidFieldException(field, $"must be at most {maxBytes} bytes of JSON (got {bytes})");
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (mustBeObject && doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidFieldException(field, "must be a JSON object");
            RequireStorableJson(doc.RootElement, field);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidFieldException(field, $"is not valid JSON ({e.Message})");
        }
        return json;
    }

    private static void RequireStorableJson(JsonElement element, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    RequireStorableText(property.Name, field);
                    RequireStorableJson(property.Value, field);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) RequireStorableJson(item, field);
                break;
            case JsonValueKind.String:
                RequireStorableText(element.GetString()!, field); // GetString throws on invalid escapes such as a lone \ud800
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                    throw new InvalidFieldException(field, "holds a number out of range");
                break;
        }
    }

    public static string Email(string? value, string field = "email")
    {
        var email = Text(value, field, Limits.EmailMaxLength).Trim();
        var at = email.IndexOf('@');
        if (at <= 0 || at != email.LastIndexOf('@') || at == email.Length - 1 || email.Any(char.IsWhiteSpace)
            || !email[(at + 1)..].Contains('.') || email.EndsWith('.'))
            throw new InvalidFieldException(field, "is not a valid email address");
        return email;
    }
}
