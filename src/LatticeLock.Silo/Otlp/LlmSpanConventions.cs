using System.Globalization;
using LatticeLock.Grains.Abstractions.Sessions;
using System.Text.Json;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// Recognises a span that describes a model call under the conventions agents are instrumented with, and reads the
/// call from its attributes (docs/otlp-traces.md, "Attribute mapping", lists every key, in the order they are tried):
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
        // Token classes: parts of the totals. Every convention read here counts cache reads and writes inside its input
        // count and reasoning inside its output count; a source whose parts exceed its total counted them beside it
        // (Anthropic's own usage does), and they are added to the total.
        var cached = OptionalTokens(a.FirstInteger(CacheReadKeys));
        var written = OptionalTokens(a.FirstInteger(CacheWriteKeys));
        var reasoning = OptionalTokens(a.FirstInteger(ReasoningKeys));
        var input = Tokens(a.FirstInteger(InputKeys));
        var output = Tokens(a.FirstInteger(OutputKeys));
        var cacheParts = (long)(cached ?? 0) + (written ?? 0);
        if (cacheParts > input) input = (int)Math.Min(int.MaxValue, input + cacheParts);
        if (reasoning > output) output = (int)Math.Min(int.MaxValue, (long)output + reasoning.Value);
        return new LlmCall(
            model,
            provider,
            operation,
            input,
            output,
            cached,
            temperature is { } t && double.IsFinite(t) && t is >= 0 and <= 9.99 ? Math.Round((decimal)t, 2) : null, // as stored: 0 to 9.99, 2 decimals
            maxTokens is { } m && m is > 0 and <= int.MaxValue ? (int)m : null,
            a.String("error.type"),
            convention)
        {
            CacheWriteInputTokens = written,
            ReasoningOutputTokens = reasoning,
            ServiceTier = TierOf(a.FirstString(ServiceTierKeys)),
        };
    }

    /// <summary>Input token totals, in the order tried (GenAI current and old, OpenInference, OpenLLMetry).</summary>
    public static readonly string[] InputKeys = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.usage.prompt_tokens"];
    public static readonly string[] OutputKeys = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.usage.completion_tokens"];
    /// <summary>Cache reads: GenAI (current, then the older flat name OpenLLMetry writes), Sentry's, OpenInference.</summary>
    public static readonly string[] CacheReadKeys =
        ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.input_tokens.cached", "llm.token_count.prompt_details.cache_read"];
    /// <summary>Cache writes, in the same order.</summary>
    public static readonly string[] CacheWriteKeys =
        ["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.input_tokens.cache_write", "llm.token_count.prompt_details.cache_write"];
    /// <summary>Reasoning output: GenAI, Sentry's, OpenInference, OpenLLMetry.</summary>
    public static readonly string[] ReasoningKeys =
        ["gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.output_tokens.reasoning", "llm.token_count.completion_details.reasoning", "gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens"];
    /// <summary>The tier the provider ran the call in (OpenAI's service_tier as the instrumentations record it).</summary>
    public static readonly string[] ServiceTierKeys =
        ["openai.response.service_tier", "gen_ai.openai.response.service_tier", "openai.request.service_tier", "gen_ai.openai.request.service_tier"];

    /// <summary>A provider's tier name as ours: default / auto / standard are standard; unknown names are not guessed.</summary>
    private static ServiceTier? TierOf(string? name) => name?.ToLowerInvariant() switch
    {
        "default" or "auto" or "standard" => Grains.Abstractions.Sessions.ServiceTier.Standard,
        "batch" => Grains.Abstractions.Sessions.ServiceTier.Batch,
        "flex" => Grains.Abstractions.Sessions.ServiceTier.Flex,
        "priority" or "scale" => Grains.Abstractions.Sessions.ServiceTier.Priority,
        _ => null,
    };

    private static int? OptionalTokens(long? value) => value is { } v ? Tokens(v) : null;

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

    /// <summary>The JSON of the request's metadata: where it came from and the operation (no column of their own).</summary>
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
        return JsonSerializer.Serialize(metadata);
    }
}
