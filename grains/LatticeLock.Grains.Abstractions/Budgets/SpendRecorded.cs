namespace LatticeLock.Grains.Abstractions.Budgets;

/// <summary>
/// The project's answer to a reported spend: whether it settled the request's reservation, and whether the project
/// has a budget at all (a session skips reporting to a project without one for <see cref="NoBudgetCacheFor"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.SpendRecorded")]
public sealed record SpendRecorded([property: Id(0)] bool Settled, [property: Id(1)] bool HasBudget)
{
    /// <summary>
    /// How long a session trusts "no budget". A budget set meanwhile misses at most this window's reports, and the
    /// project re-sums its spend from model_requests shortly after a budget is set (and every minute), so none is lost.
    /// </summary>
    public static readonly TimeSpan NoBudgetCacheFor = TimeSpan.FromSeconds(1);
}
