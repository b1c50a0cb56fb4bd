using System.Threading.Channels;
using LatticeLock.Storage.Audit;

namespace LatticeLock.Silo.Auth;

/// <summary>
/// The operator's requests waiting for the platform's audit chain (<see cref="AuditLog.PlatformWorkspace"/>): one
/// <c>operator.request</c> record per request made with an <c>admin</c> key, queued by <see cref="ApiKeyAuthentication"/>
/// as the request ends and written in batches by <see cref="OperatorRequestWriter"/>, so an operator's load neither
/// waits for nor serializes on the chain. At most <see cref="Capacity"/> wait; past that a record is dropped and
/// counted, and the drop is logged and written to the chain with the next batch (never silently).
/// </summary>
public sealed class OperatorRequestLog
{
    public const int Capacity = 10_000;

    private readonly Channel<AuditRecord> _pending = Channel.CreateBounded<AuditRecord>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private long _dropped;

    public ChannelReader<AuditRecord> Pending => _pending.Reader;

    public void Add(AuditRecord record)
    {
        if (!_pending.Writer.TryWrite(record)) Interlocked.Increment(ref _dropped);
    }

    /// <summary>How many records were dropped since the last call (the queue was full), resetting the count.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Puts a count of dropped records back (its write failed).</summary>
    public void RestoreDropped(long count) => Interlocked.Add(ref _dropped, count);

    public void Complete() => _pending.Writer.TryComplete();
}
