using System.Globalization;
using System.Text.Json;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// Recognises a span that describes a model call under the conventions agents are instrumented with, and reads the
/// call from its attributes (the README's "Attribute mapping" table lists every key, in the order they are tried):
/// <list type="bullet">
/// <item>OpenTelemetry GenAI semantic conventions: <c>gen_ai.operation.name</c>, <c>gen_ai.request.model</c>, <c>gen_ai.usage.*</c>;</item>
/// <item>OpenInference (Arize Phoenix): <c>openinference.span.kind</c> = LLM / EMBEDDING, <c>llm.model_name</c>, <c>llm.token_count.*</c>;</item>
/// <item>OpenLLMetry / Traceloop: <c>llm.request.type</c>, <c>gen_ai.system</c>, <c>llm.usage.*</c>.</item>
/// </list>
/// </summary>
public static class LlmSpanConventions
{
    /// <summary>Attributes that carry the conversation a span belongs to, in the order they are tried.</summary>
    public static readonly string[] ConversationKeys =
        ["gen_ai.conversation.id", "session.id", "langfuse.session.id", "traceloop.association.properties.session_id"];

    public static string? ConversationOf(OtlpAttributes attributes) => attributes.FirstString(ConversationKeys);

    /// <summary>The model call the span describes, or null when it is not an LLM span (or names no model).</summary>
    public static LlmCall? Read(OtlpAttributes a)
    {
        var openInferenceKind = a.String("openinference.span.kind")?.ToUpperInvariant();
        var convention =
            a.String("gen_ai.operation.name") is not null ? "gen_ai"
            : openInferenceKind is "LLM" or "EMBEDDING" ? "openinference"
            : a.String("llm.request.type") is not null || a.String("gen_ai.system") is not null ? "openllmetry"
            : null;
        if (convention is null) return null;
        var model = a.FirstString("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "llm.response.model", "llm.request.model");
        if (model is null) return null;
        var provider = a.FirstString("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system") ?? "unknown";
        var operation = a.FirstString("gen_ai.operation.name", "llm.request.type")
            ?? (openInferenceKind == "EMBEDDING" ? "embeddings" : openInferenceKind == "LLM" ? "chat" : null);

        // OpenInference keeps request parameters as one JSON string.
        var invocation = Invocation(a.String("llm.invocation_parameters"));
        var temperature = a.FirstNumber("gen_ai.request.temperature", "llm.request.temperature") ?? invocation.Temperature;
        var maxTokens = a.FirstInteger("gen_ai.request.max_tokens", "llm.request.max_tokens") ?? invocation.MaxTokens;
        return new LlmCall(
            model,
            provider,
            operation,
            Tokens(a.FirstInteger("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens")),
            Tokens(a.FirstInteger("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.usage.completion_tokens")),
            a.FirstInteger("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "llm.token_count.prompt_details.cache_read") is { } cached ? Tokens(cached) : null,
            temperature is { } t && double.IsFinite(t) && t is >= 0 and <= 9.99 ? Math.Round((decimal)t, 2) : null, // as stored: 0 to 9.99, 2 decimals
            maxTokens is { } m && m is > 0 and <= int.MaxValue ? (int)m : null,
            a.String("error.type"),
            convention);
    }

    private static int Tokens(long? value) => value is { } v ? (int)Math.Clamp(v, 0, int.MaxValue) : 0;

    private static (double? Temperature, long? MaxTokens) Invocation(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return (null, null);
            double? temperature = document.RootElement.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : null;
            long? maxTokens = null;
            foreach (var name in new[] { "max_tokens", "max_completion_tokens", "max_output_tokens" })
                if (document.RootElement.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt64(out var n)) { maxTokens = n; break; }
            return (temperature, maxTokens);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>The JSON of the request's metadata: where it came from, the operation and cached tokens (no column of their own).</summary>
    public static string Metadata(LlmCall call, string traceId, string spanId)
    {
        var metadata = new Dictionary<string, object?>
        {
            ["source"] = "otlp",
            ["convention"] = call.Convention,
            ["trace_id"] = traceId,
            ["span_id"] = spanId,
        };
        if (call.Operation is not null) metadata["operation"] = call.Operation;
        if (call.CachedInputTokens is { } cached) metadata["cached_input_tokens"] = cached.ToString(CultureInfo.InvariantCulture);
        return JsonSerializer.Serialize(metadata);
    }
}
