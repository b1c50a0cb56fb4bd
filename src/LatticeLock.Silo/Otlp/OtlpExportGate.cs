using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// Admission of exports on this silo: body bytes being received at once are bounded by
/// <see cref="OtlpOptions.MaxBytesInFlight"/> (taken before the body is read), and exports being ingested at once by
/// <see cref="OtlpOptions.MaxConcurrentExports"/> (taken only once the whole body is in, so a slow sender holds no
/// slot). Whoever finds either full is told to retry (429).
/// </summary>
public sealed class OtlpExportGate(IOptions<OtlpOptions> options)
{
    private int _inFlight;
    private long _bytes;

    /// <summary>A slot to dispose when the export is done, or null when every slot is taken.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= options.Value.MaxConcurrentExports) return new Release(() => Interlocked.Decrement(ref _inFlight));
        Interlocked.Decrement(ref _inFlight);
        return null;
    }

    /// <summary>A reservation of <paramref name="bytes"/> to dispose once the body is decoded, or null when the silo's budget would be passed.</summary>
    public IDisposable? TryReserve(long bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) <= options.Value.MaxBytesInFlight) return new Release(() => Interlocked.Add(ref _bytes, -bytes));
        Interlocked.Add(ref _bytes, -bytes);
        return null;
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) release();
        }
    }
}
