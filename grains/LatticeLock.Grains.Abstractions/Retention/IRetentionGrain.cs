namespace LatticeLock.Grains.Abstractions.Retention;

/// <summary>
/// The retention job (docs/retention.md): one activation in the cluster (key <see cref="Key"/>), kept alive by a
/// reminder, runs a pass every <c>Retention:Interval</c> that removes what each workspace's retention settings expired.
/// </summary>
[Alias("ll.IRetentionGrain")]
public interface IRetentionGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Makes sure the job runs (idempotent; every silo calls it at start-up).</summary>
    [Alias("Start")] Task Start();
}
