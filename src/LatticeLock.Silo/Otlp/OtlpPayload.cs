using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using LatticeLock.Silo.Http;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// An OTLP/HTTP export request body as sent by the exporters: binary protobuf (<c>application/x-protobuf</c>) or
/// OTLP/JSON (<c>application/json</c>), optionally gzip-compressed (<c>Content-Encoding: gzip</c>), and the response
/// in the same encoding. Bad bodies are 400, unknown encodings 415, bodies over the limit 413.
/// </summary>
public static class OtlpPayload
{
    public const string Protobuf = "application/x-protobuf";
    public const string Json = "application/json";

    /// <summary>
    /// How many times its size an OTLP/JSON body counts against <see cref="OtlpOptions.MaxBytesInFlight"/>: its decoding
    /// holds a rewritten copy and the decoded request, several times the body's size, where protobuf is walked in place.
    /// </summary>
    public const int JsonMemoryFactor = 6;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>The request's encoding (protobuf or JSON), or 415.</summary>
    public static string EncodingOf(HttpRequest request)
    {
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        return type switch
        {
            Protobuf or "application/protobuf" => Protobuf,
            Json => Json,
            _ => throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType,
                $"content-type: OTLP/HTTP bodies are {Protobuf} or {Json} (got '{request.ContentType}')", "content-type"),
        };
    }

    /// <summary>The whole (decompressed) body; 413 past <paramref name="maxBytes"/>, 400 or 415 for a bad content encoding.</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var body = await ReadLimitedAsync(request.Body, maxBytes, cancellationToken);
        var contentEncoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (contentEncoding == "gzip")
        {
            try
            {
                await using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
                body = await ReadLimitedAsync(gzip, maxBytes, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw ApiProblem.BadRequest("content-encoding", $"content-encoding: the body is not valid gzip: {e.Message}");
            }
        }
        else if (contentEncoding is not ("" or "identity"))
        {
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, $"content-encoding: must be gzip or absent (got '{contentEncoding}')", "content-encoding");
        }
        return body;
    }

    /// <summary>
    /// The export's resources and spans, for <see cref="OtlpSpanReader"/>: protobuf is walked in place and each span
    /// decoded when it is read (<see cref="OtlpProtobufExport"/>); OTLP/JSON is decoded here as a whole. A malformed
    /// body is 400 naming <c>body</c> (for protobuf, possibly only once the reader reaches the bad bytes).
    /// </summary>
    public static IEnumerable<OtlpResourceSpans> Resources(byte[] body, string encoding) =>
        encoding == Protobuf ? OtlpProtobufExport.Resources(body) : OtlpResourceSpans.Of(DecodeJson(body));

    /// <summary>An OTLP/JSON body as an export request, or 400 naming <c>body</c>.</summary>
    public static ExportTraceServiceRequest DecodeJson(byte[] body)
    {
        try
        {
            return ParseJson(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ApiProblem.BadRequest("body", $"body: not a valid OTLP ExportTraceServiceRequest (JSON): {e.Message}");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            throw ApiProblem.BadRequest("body", $"body: not valid JSON: {e.Message}");
        }
    }

    public static byte[] Response(ExportTraceServiceResponse response, string encoding) =>
        encoding == Protobuf ? response.ToByteArray() : System.Text.Encoding.UTF8.GetBytes(Formatter.Format(response));

    private static async Task<byte[]> ReadLimitedAsync(Stream source, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new ApiProblem(StatusCodes.Status413PayloadTooLarge,
                    $"body: the export request is larger than {maxBytes} bytes (LatticeLock__Otlp__MaxBodyBytes); send smaller batches", "body");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// OTLP/JSON differs from protobuf's canonical JSON in one way that matters: trace and span ids are hex, not base64.
    /// The body is copied token by token (no document tree: about one more body's worth of memory), rewriting the value
    /// of every <c>traceId</c>, <c>spanId</c> and <c>parentSpanId</c> (or snake_case) to base64, then parsed as a stream.
    /// An id that is not hex becomes empty, so only its span is rejected. Nesting deeper than 64 is refused (400).
    /// </summary>
    private static ExportTraceServiceRequest ParseJson(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) throw ApiProblem.BadRequest("body", "body: is not valid UTF-8");
        using var copy = new MemoryStream(body.Length + body.Length / 8);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        using (var writer = new Utf8JsonWriter(copy, new JsonWriterOptions { SkipValidation = true }))
        {
            var isId = false;
            var tokens = 0;
            while (reader.Read())
            {
                if (tokens++ == 0 && reader.TokenType != JsonTokenType.StartObject) throw ApiProblem.BadRequest("body", "body: must be a JSON object");
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                    case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                    case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                    case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                    case JsonTokenType.PropertyName:
                        var name = reader.ValueIsEscaped ? reader.GetString()! : null;
                        if (name is null) writer.WritePropertyName(reader.ValueSpan); else writer.WritePropertyName(name);
                        isId = name is null ? IsIdName(reader.ValueSpan) : IsIdName(Encoding.UTF8.GetBytes(name));
                        continue;
                    case JsonTokenType.String when isId:
                        writer.WriteStringValue(HexToBase64(reader.GetString()!));
                        break;
                    case JsonTokenType.String:
                        if (reader.ValueIsEscaped) writer.WriteStringValue(reader.GetString());
                        else writer.WriteStringValue(reader.ValueSpan);
                        break;
                    case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                    case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                    case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                    default: writer.WriteNullValue(); break;
                }
                isId = false;
            }
            if (tokens == 0) throw ApiProblem.BadRequest("body", "body: must be a JSON object");
        }
        copy.Position = 0;
        using var text = new StreamReader(copy, Encoding.UTF8);
        return Parser.Parse<ExportTraceServiceRequest>(text);
    }

    private static bool IsIdName(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("traceId"u8) || name.SequenceEqual("spanId"u8) || name.SequenceEqual("parentSpanId"u8)
        || name.SequenceEqual("trace_id"u8) || name.SequenceEqual("span_id"u8) || name.SequenceEqual("parent_span_id"u8);

    private static string HexToBase64(string hex)
    {
        try
        {
            return Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
