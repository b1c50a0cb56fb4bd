using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Storage.Prices;
using Orleans.Concurrency;

namespace LatticeLock.Grains.Prices;

/// <summary>Sets and lists prices through <see cref="PriceRepository"/>; a change made here is priced from at once on this silo.</summary>
[StatelessWorker]
public sealed class PriceTableGrain(PriceRepository prices, PriceBook book) : Grain, IPriceTableGrain
{
    public async Task<PriceSet> Set(ModelPrice price, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(price);
        var (stored, created) = await prices.SetAsync(price.Validated(), AuditActor.Current, cancellationToken);
        book.Invalidate();
        return new PriceSet(stored, created);
    }

    public async Task<IReadOnlyList<ModelPrice>> List(string? provider, string? model, CancellationToken cancellationToken) =>
        await prices.ListAsync(provider, model, cancellationToken);
}
