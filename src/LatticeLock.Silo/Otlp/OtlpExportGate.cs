using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Otlp;

/// <summary>At most <see cref="OtlpOptions.MaxConcurrentExports"/> exports at once on this silo; the rest are told to retry (429).</summary>
public sealed class OtlpExportGate(IOptions<OtlpOptions> options)
{
    private int _inFlight;

    /// <summary>A slot to dispose when the export is done, or null when every slot is taken.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= options.Value.MaxConcurrentExports) return new Slot(this);
        Interlocked.Decrement(ref _inFlight);
        return null;
    }

    private sealed class Slot(OtlpExportGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref gate._inFlight);
        }
    }
}
