using System.Collections.Concurrent;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Prices;

namespace LatticeLock.Grains.Prices;

/// <summary>
/// Prices requests that arrive without costs, from the price in effect at their <c>requested_at</c>, class by class
/// (<see cref="TokenPricing"/>), recording the price row used: the workspace's override of the model when it has one in
/// effect then, else the platform's row. The platform's table is held in memory per silo, and each workspace's
/// overrides once a request of that workspace is priced (at most <see cref="MaxWorkspaces"/> workspaces or
/// <see cref="MaxOverrideRows"/> rows; past either the copies start over); each copy is re-read at most every
/// <see cref="RefreshInterval"/> (at once after a change made on this silo), so pricing adds at most one query per
/// workspace per interval to the ingest path.
/// </summary>
public sealed class PriceBook(PriceRepository prices, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = ModelPrice.CacheLifetime;
    public const int MaxWorkspaces = 10_000, MaxOverrideRows = 100_000;

    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly ConcurrentDictionary<Guid, (PriceHistory History, int Rows, DateTimeOffset LoadedAt)> _overrides = new();
    private PriceHistory? _platform;
    private DateTimeOffset _loadedAt;
    private int _overrideRows;

    /// <summary>
    /// The request with costs and price_id filled in (CostSource PriceTable) from the workspace's override or the
    /// platform's price, or marked Unpriced; costs given are kept (Client).
    /// </summary>
    public async Task<ModelRequestRecord> PriceAsync(ModelRequestRecord request, Guid workspaceId, CancellationToken cancellationToken)
    {
        if (!request.CostsOmitted) return request with { CostSource = CostSource.Client };
        var price = (await OverridesAsync(workspaceId, cancellationToken)).Resolve(workspaceId, request.Provider, request.ModelId, request.RequestedAt)
            ?? (await PlatformAsync(cancellationToken)).Resolve(null, request.Provider, request.ModelId, request.RequestedAt);
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

    /// <summary>Forget the cached prices (after a price or an override was set on this silo).</summary>
    public void Invalidate()
    {
        _platform = null;
        _overrides.Clear();
        Interlocked.Exchange(ref _overrideRows, 0);
    }

    private async Task<PriceHistory> PlatformAsync(CancellationToken cancellationToken)
    {
        if (_platform is { } cached && clock.GetUtcNow() - _loadedAt < RefreshInterval) return cached;
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_platform is { } fresh && clock.GetUtcNow() - _loadedAt < RefreshInterval) return fresh;
            _platform = new PriceHistory(await prices.ListAsync(null, null, null, cancellationToken));
            _loadedAt = clock.GetUtcNow();
            return _platform;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>The workspace's current overrides (often none), read once per interval; concurrent first reads may each query, harmlessly.</summary>
    private async Task<PriceHistory> OverridesAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_overrides.TryGetValue(workspaceId, out var known) && now - known.LoadedAt < RefreshInterval) return known.History;
        var rows = await prices.ListAsync(null, null, workspaceId, cancellationToken);
        if (_overrides.Count >= MaxWorkspaces || Volatile.Read(ref _overrideRows) >= MaxOverrideRows)
        {
            _overrides.Clear();
            Interlocked.Exchange(ref _overrideRows, 0);
        }
        var loaded = (new PriceHistory(rows), rows.Count, now);
        _overrides.AddOrUpdate(workspaceId, loaded, (_, old) =>
        {
            Interlocked.Add(ref _overrideRows, -old.Rows);
            return loaded;
        });
        Interlocked.Add(ref _overrideRows, rows.Count);
        return loaded.Item1;
    }
}
