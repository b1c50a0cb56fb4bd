using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// What an LLM span says about the model call it describes, whichever convention it follows, normalized: input and
/// output tokens are the totals, and the cache reads and writes are parts of the input, reasoning a part of the output
/// (see <see cref="LlmSpanConventions"/> for the sources that report them beside their input count).
/// </summary>
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
    string Convention)
{
    public int? CacheWriteInputTokens { get; init; }
    public int? ReasoningOutputTokens { get; init; }
    public ServiceTier? ServiceTier { get; init; }
}
