namespace LatticeLock.Storage.Replication;

/// <summary>What writes do while the primary has no synchronous standby streaming (<c>LatticeLock:Replication:SynchronousStandbyLoss</c>).</summary>
public enum SynchronousStandbyLoss
{
    /// <summary>
    /// Commits wait for a synchronous standby, so nothing is acknowledged that is on one server only: callers get 503
    /// with Retry-After once <c>CommitTimeout</c> (or the command timeout) passes, and writes resume when a standby
    /// streams again. The default.
    /// </summary>
    Block,

    /// <summary>
    /// The silos clear the primary's <c>synchronous_standby_names</c> (ALTER SYSTEM, reload) within
    /// <c>CheckInterval</c>: waiting commits complete and later ones are acknowledged from the primary alone until a
    /// standby named in <c>SynchronousStandbyNames</c> streams again, when the setting is put back.
    /// </summary>
    Degrade,
}
