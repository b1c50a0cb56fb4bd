using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Layouts of traces being paged, per silo, so the pages after the first reuse the layout the first one computed
/// (named by a token in the cursor) instead of reading and laying out the whole trace again for every page: paging a
/// trace of n spans costs one layout, not n / page size of them, and every page of one walk comes from the same
/// snapshot. A layout is used only for the owner and trace it was made for. Bounded by
/// <see cref="TraceReadOptions.LayoutCacheSpans"/> spans in all (least recently used go first; a larger trace is not
/// kept) and dropped after <see cref="TraceReadOptions.LayoutCacheIdle"/> unused.
/// </summary>
public sealed class TraceLayoutCache(IOptions<TraceReadOptions> options, TimeProvider clock)
{
    private sealed class Entry(Guid ownerId, string traceId, TraceLayout layout, DateTimeOffset used)
    {
        public Guid OwnerId { get; } = ownerId;
        public string TraceId { get; } = traceId;
        public TraceLayout Layout { get; } = layout;
        public DateTimeOffset Used { get; set; } = used;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Entry> _entries = [];
    private long _spans;

    /// <summary>The layout <paramref name="token"/> names, if it is still kept and was made for this owner's trace.</summary>
    public TraceLayout? Find(Guid token, Guid ownerId, string traceId)
    {
        lock (_lock)
        {
            DropIdle();
            if (!_entries.TryGetValue(token, out var entry) || entry.OwnerId != ownerId || entry.TraceId != traceId) return null;
            entry.Used = clock.GetUtcNow();
            return entry.Layout;
        }
    }

    /// <summary>Keeps a layout and returns its token; <see cref="Guid.Empty"/> when it is larger than the whole cache.</summary>
    public Guid Add(Guid ownerId, string traceId, TraceLayout layout)
    {
        var budget = options.Value.LayoutCacheSpans;
        if (layout.Count > budget) return Guid.Empty;
        lock (_lock)
        {
            DropIdle();
            while (_spans + layout.Count > budget && _entries.Count > 0)
                Remove(_entries.MinBy(e => e.Value.Used).Key);
            var token = Guid.NewGuid();
            _entries[token] = new Entry(ownerId, traceId, layout, clock.GetUtcNow());
            _spans += layout.Count;
            return token;
        }
    }

    private void DropIdle()
    {
        var cutoff = clock.GetUtcNow() - options.Value.LayoutCacheIdle;
        foreach (var idle in _entries.Where(e => e.Value.Used < cutoff).Select(e => e.Key).ToList()) Remove(idle);
    }

    private void Remove(Guid token)
    {
        if (_entries.Remove(token, out var entry)) _spans -= entry.Layout.Count;
    }
}
