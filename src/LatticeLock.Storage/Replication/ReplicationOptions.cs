namespace LatticeLock.Storage.Replication;

/// <summary>Section <c>LatticeLock:Replication</c> (env <c>LatticeLock__Replication__SynchronousStandbyLoss</c> …).</summary>
public sealed class ReplicationOptions
{
    public const string Section = "LatticeLock:Replication";

    public SynchronousStandbyLoss SynchronousStandbyLoss { get; set; } = SynchronousStandbyLoss.Block;

    /// <summary>
    /// The primary's <c>synchronous_standby_names</c> as it should be while a standby streams (e.g. <c>standby</c>, or
    /// <c>FIRST 1 (a, b)</c>): what <see cref="SynchronousStandbyLoss.Degrade"/> puts back. Required for Degrade.
    /// </summary>
    public string? SynchronousStandbyNames { get; set; }

    /// <summary>How often a silo in Degrade mode looks at the primary's replication (default 1 s).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
