using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Prices;

namespace LatticeLock.Grains.Prices;

/// <summary>
/// Prices requests that arrive without costs, from the price in effect at their <c>requested_at</c>, class by class
/// (<see cref="TokenPricing"/>), recording the price row used. The whole table
/// is held in memory per silo and re-read at most every <see cref="RefreshInterval"/> (at once after a local change),
/// so pricing adds no query to the ingest path.
/// </summary>
public sealed class PriceBook(PriceRepository prices, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = ModelPrice.CacheLifetime;

    private readonly SemaphoreSlim _reload = new(1, 1);
    private PriceHistory? _history;
    private DateTimeOffset _loadedAt;

    /// <summary>
    /// The request with costs and price_id filled in (CostSource PriceTable) from the workspace's override or the
    /// platform's price, or marked Unpriced; costs given are kept (Client).
    /// </summary>
    public async Task<ModelRequestRecord> PriceAsync(ModelRequestRecord request, Guid workspaceId, CancellationToken cancellationToken)
    {
        if (!request.CostsOmitted) return request with { CostSource = CostSource.Client };
        var price = (await HistoryAsync(cancellationToken)).Resolve(workspaceId, request.Provider, request.ModelId, request.RequestedAt);
        if (price is null) return request with { CostSource = CostSource.Unpriced };
        var (input, output) = TokenPricing.Costs(TokenPricing.Breakdown(request, price));
        var priced = request with
        {
            InputCostUsd = Bounded(input, "input_tokens", request.InputTokens),
            OutputCostUsd = Bounded(output, "output_tokens", request.OutputTokens),
            CostSource = CostSource.PriceTable,
            PriceId = price.Id,
        };
        if (priced.TotalCostUsd > Limits.MaxCostUsd)
            throw new InvalidFieldException("input_tokens", $"the price table makes this request cost {priced.TotalCostUsd} USD in total, more than the {Limits.MaxCostUsd} USD one request can cost");
        return priced;
    }

    /// <summary>
    /// A priced cost must fit what a request can cost (<see cref="Limits.MaxCostUsd"/>, the column's numeric(12,8)), like
    /// a cost the client sends: otherwise the request is refused naming the token count that priced too high, before
    /// anything is written (it would fail the whole commit batch and every retry of it).
    /// </summary>
    private static decimal Bounded(decimal cost, string field, int tokens) =>
        cost <= Limits.MaxCostUsd
            ? cost
            : throw new InvalidFieldException(field, $"{tokens} tokens cost {cost} USD at the price table's prices, more than the {Limits.MaxCostUsd} USD one request can cost");

    /// <summary>Forget the cached table (after a price was set on this silo).</summary>
    public void Invalidate() => _history = null;

    private async Task<PriceHistory> HistoryAsync(CancellationToken cancellationToken)
    {
        if (_history is { } cached && clock.GetUtcNow() - _loadedAt < RefreshInterval) return cached;
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_history is { } fresh && clock.GetUtcNow() - _loadedAt < RefreshInterval) return fresh;
            _history = new PriceHistory(await prices.ListForPricingAsync(null, null, cancellationToken));
            _loadedAt = clock.GetUtcNow();
            return _history;
        }
        finally
        {
            _reload.Release();
        }
    }
}
