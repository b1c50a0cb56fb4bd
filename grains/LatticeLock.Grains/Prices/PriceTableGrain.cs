using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Prices;
using Orleans.Concurrency;

namespace LatticeLock.Grains.Prices;

/// <summary>
/// Sets, lists and removes prices and workspace overrides through <see cref="PriceRepository"/>; a change made here is
/// priced from at once on this silo. An override's workspace must exist (its grain says so).
/// </summary>
[StatelessWorker]
public sealed class PriceTableGrain(PriceRepository prices, PriceBook book) : Grain, IPriceTableGrain
{
    public async Task<PriceSet> Set(ModelPrice price, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(price);
        price.Validated();
        if (price.WorkspaceId is { } workspaceId) await RequireWorkspaceAsync(workspaceId);
        var (stored, created) = await prices.SetAsync(price, AuditActor.Current, cancellationToken);
        book.Invalidate();
        return new PriceSet(stored, created);
    }

    public async Task<IReadOnlyList<ModelPrice>> List(string? provider, string? model, CancellationToken cancellationToken) =>
        await prices.ListAsync(provider, model, null, cancellationToken);

    public async Task<IReadOnlyList<ModelPrice>> ListOverrides(Guid workspaceId, string? provider, string? model, CancellationToken cancellationToken)
    {
        await RequireWorkspaceAsync(workspaceId);
        return await prices.ListAsync(provider, model, workspaceId, cancellationToken);
    }

    public async Task RemoveOverride(Guid workspaceId, string provider, string model, CancellationToken cancellationToken)
    {
        Require.Text(provider, "provider", Limits.NameMaxLength);
        Require.Text(model, "model", Limits.NameMaxLength);
        await RequireWorkspaceAsync(workspaceId);
        if (await prices.RemoveOverrideAsync(workspaceId, provider, model, AuditActor.Current, cancellationToken) == 0)
            throw new NotFoundException($"override of {provider}/{model} in workspace", workspaceId);
        book.Invalidate();
    }

    private async Task RequireWorkspaceAsync(Guid workspaceId) => await GrainFactory.GetGrain<IWorkspaceGrain>(Require.Id(workspaceId, "workspace_id")).Get();
}
