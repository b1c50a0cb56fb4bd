using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Http;

/// <summary>Reads a request body as JSON, turning every way it can be wrong into a status and a named field.</summary>
public static partial class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpContext context) where T : class
    {
        var request = context.Request;
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, "the body must be application/json");
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        // The whole body (at most the 1 MiB Kestrel admits) is checked as UTF-8 first: the serializer skips unknown
        // properties without decoding their names, so invalid bytes there would otherwise pass unnoticed.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            throw ApiProblem.BadRequest("body", "body: is not valid UTF-8");
        try
        {
            return JsonSerializer.Deserialize<T>(bytes.Span, options)
                ?? throw ApiProblem.BadRequest("body", "the body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            var field = FieldOf(e);
            throw ApiProblem.BadRequest(field, $"{field}: {ReasonOf(e)}");
        }
    }

    /// <summary>Reads a request body that must be one JSON object, for bodies mapped field by field.</summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpContext context)
    {
        var body = await ReadAsync<JsonDocument>(context);
        using (body)
        {
            return body.RootElement.ValueKind == JsonValueKind.Object
                ? body.RootElement.Clone()
                : throw ApiProblem.BadRequest("body", "the body must be a JSON object");
        }
    }

    /// <summary>Why a value was refused, in the user's terms (no .NET type names).</summary>
    public static string ReasonOf(JsonException e) =>
        e.Message.Contains("missing required properties", StringComparison.Ordinal) ? "is required"
        : e.InnerException is InvalidOperationException or FormatException ? "has the wrong type"
        : e.InnerException?.Message ?? ShortMessage(e.Message);

    /// <summary>The snake_case field a JSON error is about ("body" when it concerns the whole document).</summary>
    public static string FieldOf(JsonException e)
    {
        var missing = MissingProperty().Match(e.Message);
        if (missing.Success) return missing.Groups[1].Value;
        var path = e.Path;
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        return path.TrimStart('$', '.').Replace("['", "").Replace("']", "");
    }

    private static string ShortMessage(string message)
    {
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)) return "has the wrong type or an unknown value";
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    [GeneratedRegex("missing required properties including: '([^']+)'")]
    private static partial Regex MissingProperty();
}
