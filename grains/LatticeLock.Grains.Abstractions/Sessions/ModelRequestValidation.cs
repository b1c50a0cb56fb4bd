using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>The rules a model request must meet before it is logged. Shared by the grain and the HTTP gateway.</summary>
public static class ModelRequestValidation
{
    public static void Validate(ModelRequestRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        Require.Id(r.Id, "id");
        Require.OptionalId(r.ChatId, "chat_id");
        Require.OptionalText(r.TraceId, "trace_id", Limits.TraceIdMaxLength);
        Require.OptionalText(r.ParentSpanId, "parent_span_id", Limits.SpanIdMaxLength);
        Require.OptionalText(r.SpanId, "span_id", Limits.SpanIdMaxLength);
        Require.Text(r.ModelId, "model_id", Limits.NameMaxLength);
        Require.OptionalName(r.ModelName, "model_name", Limits.NameMaxLength);
        Require.Text(r.Provider, "provider", Limits.NameMaxLength);
        Require.OptionalText(r.TaskType, "task_type", Limits.ShortCodeMaxLength);
        Require.OptionalText(r.Priority, "priority", Limits.ShortCodeMaxLength);
        if (r.RequestedAt == default) throw new InvalidFieldException("requested_at", "is required");
        if (r.RespondedAt is { } responded && responded < r.RequestedAt)
            throw new InvalidFieldException("responded_at", "must not be before requested_at");
        Require.NonNegative(r.LatencyMs, "latency_ms");
        Require.NonNegative(r.InputTokens, "input_tokens");
        Require.NonNegative(r.OutputTokens, "output_tokens");
        // Token classes are parts of the totals: cache reads and writes of input_tokens, reasoning of output_tokens.
        Require.NonNegative(r.CachedInputTokens, "cached_input_tokens");
        Require.NonNegative(r.CacheWriteInputTokens, "cache_write_input_tokens");
        Require.NonNegative(r.ReasoningOutputTokens, "reasoning_output_tokens");
        if (r.CachedInputTokens > r.InputTokens)
            throw new InvalidFieldException("cached_input_tokens", $"is a part of input_tokens and must not exceed it ({r.CachedInputTokens} > {r.InputTokens})");
        if ((long)(r.CachedInputTokens ?? 0) + (r.CacheWriteInputTokens ?? 0) > r.InputTokens)
            throw new InvalidFieldException("cache_write_input_tokens", $"with cached_input_tokens is a part of input_tokens and must not exceed it ({(long)(r.CachedInputTokens ?? 0) + (r.CacheWriteInputTokens ?? 0)} > {r.InputTokens})");
        Require.NonNegative(r.CacheWrite1hInputTokens, "cache_write_1h_input_tokens");
        if (r.CacheWrite1hInputTokens > (r.CacheWriteInputTokens ?? 0))
            throw new InvalidFieldException("cache_write_1h_input_tokens", $"is a part of cache_write_input_tokens and must not exceed it ({r.CacheWrite1hInputTokens} > {r.CacheWriteInputTokens ?? 0})");
        if (r.ReasoningOutputTokens > r.OutputTokens)
            throw new InvalidFieldException("reasoning_output_tokens", $"is a part of output_tokens and must not exceed it ({r.ReasoningOutputTokens} > {r.OutputTokens})");
        if (r.ServiceTier is { } tier) Require.Defined(tier, "service_tier");
        if (r.InputCostUsd is { } input) Require.Cost(input, "input_cost_usd");
        if (r.OutputCostUsd is { } output) Require.Cost(output, "output_cost_usd");
        Require.Cost(r.TotalCostUsd, "total_cost_usd");
        Require.Defined(r.Status, "status");
        Require.OptionalText(r.ErrorCode, "error_code", Limits.ShortCodeMaxLength);
        Require.OptionalText(r.ErrorMessage, "error_message", Limits.TextMaxLength);
        Require.OptionalJson(r.FunctionCallsJson, "function_calls");
        Require.OptionalJson(r.FunctionResultsJson, "function_results");
        Require.NonNegative(r.ContextWindowUsed, "context_window_used");
        if (r.Temperature is { } t && (t < 0 || t > 9.99m || decimal.Round(t, 2) != t))
            throw new InvalidFieldException("temperature", "must be between 0 and 9.99 with at most 2 decimal places");
        Require.NonNegative(r.MaxTokens, "max_tokens");
        Require.OptionalName(r.OriginalModelId, "original_model_id", Limits.NameMaxLength);
        if (r.SelectionScore is { } s && (s < -999.99m || s > 999.99m || decimal.Round(s, 2) != s))
            throw new InvalidFieldException("selection_score", "must be between -999.99 and 999.99 with at most 2 decimal places");
        Require.OptionalText(r.SelectionReason, "selection_reason", Limits.TextMaxLength);
        Require.OptionalJson(r.RawRequestJson, "raw_request", Limits.RawPayloadMaxBytes);
        Require.OptionalJson(r.RawResponseJson, "raw_response", Limits.RawPayloadMaxBytes);
        Require.OptionalJson(r.MetadataJson, "metadata", mustBeObject: true);
    }
}
