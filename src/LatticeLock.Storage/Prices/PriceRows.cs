using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Storage.Prices;

/// <summary>
/// Price rows by id, for recomputing a stored request's breakdown from its price_id. Rows are never changed, so a row
/// read once is kept (up to <see cref="Capacity"/> rows; past it the cache starts over).
/// </summary>
public sealed class PriceRows(PriceRepository prices)
{
    public const int Capacity = 10_000;
    private readonly ConcurrentDictionary<long, ModelPrice?> _byId = new();

    public async ValueTask<ModelPrice?> GetAsync(long id, CancellationToken cancellationToken)
    {
        if (_byId.TryGetValue(id, out var cached)) return cached;
        var price = await prices.GetAsync(id, cancellationToken);
        if (_byId.Count >= Capacity) _byId.Clear();
        _byId[id] = price;
        return price;
    }

    /// <summary>
    /// The cache-read, cache-write and reasoning USD of a stored request priced from row <paramref name="priceId"/>
    /// (none when it was not priced from the table or has no such tokens).
    /// </summary>
    public async ValueTask<ClassCosts> ClassCostsAsync(long? priceId, string provider, string model, DateTimeOffset requestedAt, int inputTokens,
        int outputTokens, int? cached, int? written, int? written1h, int? reasoning, ServiceTier? tier, CancellationToken cancellationToken)
    {
        if (priceId is not { } id || (cached ?? 0) + (written ?? 0) + (reasoning ?? 0) == 0) return ClassCosts.None;
        return await GetAsync(id, cancellationToken) is { } price
            ? ClassCosts.Of(TokenPricing.Breakdown(Record(provider, model, requestedAt, inputTokens, outputTokens, cached, written, written1h, reasoning, tier), price))
            : ClassCosts.None;
    }

    /// <summary>A stored request's token counts as the record <see cref="TokenPricing"/> prices.</summary>
    public static ModelRequestRecord Record(string provider, string model, DateTimeOffset requestedAt, int inputTokens, int outputTokens,
        int? cached, int? written, int? written1h, int? reasoning, ServiceTier? tier) => new()
    {
        Id = Guid.Empty, Provider = provider, ModelId = model, RequestedAt = requestedAt, InputTokens = inputTokens, OutputTokens = outputTokens,
        CachedInputTokens = cached, CacheWriteInputTokens = written, CacheWrite1hInputTokens = written1h, ReasoningOutputTokens = reasoning,
        ServiceTier = tier,
    };

    /// <summary>A stored tier name as the enum (null and unknown: standard).</summary>
    public static ServiceTier? Tier(string? stored) => stored is not null && WireNames.TryParse<ServiceTier>(stored, out var tier) ? tier : null;
}
