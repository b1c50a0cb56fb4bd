using System.IO.Compression;
using System.Text.Json.Nodes;
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
    /// How many times its size an OTLP/JSON body counts against <see cref="OtlpOptions.MaxBytesInFlight"/>: decoding
    /// builds a document tree (and a rewritten copy) several times the body's size, where protobuf decodes in place.
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

    public static async Task<ExportTraceServiceRequest> ReadAsync(HttpRequest request, string encoding, int maxBytes, CancellationToken cancellationToken)
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
        try
        {
            return encoding == Protobuf ? ExportTraceServiceRequest.Parser.ParseFrom(body) : ParseJson(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ApiProblem.BadRequest("body", $"body: not a valid OTLP ExportTraceServiceRequest ({(encoding == Protobuf ? "protobuf" : "JSON")}): {e.Message}");
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
    /// They are rewritten to base64 before parsing; an id that is not hex becomes empty, so only its span is rejected.
    /// </summary>
    private static ExportTraceServiceRequest ParseJson(byte[] body)
    {
        var root = JsonNode.Parse(body) as JsonObject ?? throw ApiProblem.BadRequest("body", "body: must be a JSON object");
        foreach (var resourceSpans in Array(root, "resourceSpans", "resource_spans"))
            foreach (var scopeSpans in Array(resourceSpans, "scopeSpans", "scope_spans"))
                foreach (var span in Array(scopeSpans, "spans", "spans"))
                {
                    HexToBase64(span, "traceId", "trace_id");
                    HexToBase64(span, "spanId", "span_id");
                    HexToBase64(span, "parentSpanId", "parent_span_id");
                    foreach (var link in Array(span, "links", "links"))
                    {
                        HexToBase64(link, "traceId", "trace_id");
                        HexToBase64(link, "spanId", "span_id");
                    }
                }
        return Parser.Parse<ExportTraceServiceRequest>(root.ToJsonString());
    }

    private static IEnumerable<JsonObject> Array(JsonObject? parent, string camel, string snake) =>
        (parent?[camel] ?? parent?[snake]) is JsonArray array ? array.OfType<JsonObject>() : [];

    private static void HexToBase64(JsonObject node, string camel, string snake)
    {
        var name = node.ContainsKey(camel) ? camel : node.ContainsKey(snake) ? snake : null;
        if (name is null || node[name] is not JsonValue value || !value.TryGetValue<string>(out var hex)) return;
        try
        {
            node[name] = Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            node[name] = "";
        }
    }
}
