namespace LatticeLock.Silo.Otlp;

/// <summary>What an LLM span says about the model call it describes, whichever convention it follows.</summary>
public sealed record LlmCall(
    string Model,
    string Provider,
    string? Operation,
    int InputTokens,
    int OutputTokens,
    int? CachedInputTokens,
    decimal? Temperature,
    int? MaxTokens,
    string? ErrorType,
    string Convention);
