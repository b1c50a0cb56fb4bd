namespace LatticeLock.Storage.Commits;

/// <summary>What a stopping silo needs of every <see cref="GroupCommit{TItem, TResult}"/>: answer what hangs, drain the rest.</summary>
public interface IGroupCommit
{
    /// <summary>What the items are, plural ("model requests").</summary>
    string Name { get; }

    /// <summary>After <paramref name="drain"/>, answers every caller still waiting with a failure (not acknowledged).</summary>
    void AbandonPendingAfter(TimeSpan drain);

    /// <summary>Stops taking items and waits until every queued item is committed (or failed).</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
