namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// One LLM call as the orchestrator saw it: the atomic unit of usage tracking.
/// JSON-valued fields carry JSON text. Costs are exact decimals in USD (at most 8 decimal places); leave both null to
/// have them computed from the price table at <see cref="RequestedAt"/> (<see cref="CostSource"/> says which happened).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.ModelRequestRecord")]
public sealed record ModelRequestRecord
{
    /// <summary>Idempotency key: the client chooses it so a retry is recognised.</summary>
    [Id(0)] public required Guid Id { get; init; }
    [Id(1)] public Guid? ChatId { get; init; }
    [Id(2)] public string? TraceId { get; init; }
    [Id(3)] public string? ParentSpanId { get; init; }
    [Id(4)] public string? SpanId { get; init; }
    [Id(5)] public required string ModelId { get; init; }
    [Id(6)] public string? ModelName { get; init; }
    [Id(7)] public required string Provider { get; init; }
    [Id(8)] public string? TaskType { get; init; }
    [Id(9)] public string? Priority { get; init; }
    [Id(10)] public required DateTimeOffset RequestedAt { get; init; }
    [Id(11)] public DateTimeOffset? RespondedAt { get; init; }
    [Id(12)] public int? LatencyMs { get; init; }
    [Id(13)] public int InputTokens { get; init; }
    [Id(14)] public int OutputTokens { get; init; }
    [Id(15)] public decimal? InputCostUsd { get; init; }
    [Id(16)] public decimal? OutputCostUsd { get; init; }
    [Id(17)] public ModelRequestStatus Status { get; init; }
    [Id(18)] public string? ErrorCode { get; init; }
    [Id(19)] public string? ErrorMessage { get; init; }
    [Id(20)] public string? FunctionCallsJson { get; init; }
    [Id(21)] public string? FunctionResultsJson { get; init; }
    [Id(22)] public int? ContextWindowUsed { get; init; }
    [Id(23)] public decimal? Temperature { get; init; }
    [Id(24)] public int? MaxTokens { get; init; }
    [Id(25)] public bool WasFallback { get; init; }
    [Id(26)] public string? OriginalModelId { get; init; }
    [Id(27)] public decimal? SelectionScore { get; init; }
    [Id(28)] public string? SelectionReason { get; init; }
    [Id(29)] public string? RawRequestJson { get; init; }
    [Id(30)] public string? RawResponseJson { get; init; }
    [Id(31)] public string? MetadataJson { get; init; }
    /// <summary>Where the costs came from; set by LatticeLock, ignored on input.</summary>
    [Id(32)] public CostSource CostSource { get; init; }
    /// <summary>The budget reservation this call was made under (see IProjectGrain.Reserve); recording it settles the reservation.</summary>
    [Id(33)] public Guid? ReservationId { get; init; }

    /// <summary>Of <see cref="InputTokens"/>, how many were read from the provider's prompt cache (priced as cached input).</summary>
    [Id(34)] public int? CachedInputTokens { get; init; }
    /// <summary>Of <see cref="InputTokens"/>, how many were written to the provider's prompt cache (priced as cache writes).</summary>
    [Id(35)] public int? CacheWriteInputTokens { get; init; }
    /// <summary>Of <see cref="OutputTokens"/>, how many were reasoning ("thinking") tokens (priced as reasoning output).</summary>
    [Id(36)] public int? ReasoningOutputTokens { get; init; }
    /// <summary>The processing tier the call ran in; null is <see cref="Sessions.ServiceTier.Standard"/>.</summary>
    [Id(37)] public ServiceTier? ServiceTier { get; init; }
    /// <summary>The model_prices row the costs were computed from (cost source price_table); set by LatticeLock.</summary>
    [Id(38)] public long? PriceId { get; init; }
    /// <summary>Of <see cref="CacheWriteInputTokens"/>, how many were written to a one-hour cache (priced as one-hour cache writes).</summary>
    [Id(39)] public int? CacheWrite1hInputTokens { get; init; }

    /// <summary>True when neither cost was given, so the price table decides.</summary>
    public bool CostsOmitted => InputCostUsd is null && OutputCostUsd is null;

    public long TotalTokens => (long)InputTokens + OutputTokens;
    /// <summary>Input plus output cost; an unpriced request counts as zero.</summary>
    public decimal TotalCostUsd => (InputCostUsd ?? 0m) + (OutputCostUsd ?? 0m);
}
