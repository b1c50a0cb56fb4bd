namespace LatticeLock.Silo.Otlp;

/// <summary>The OTLP/HTTP trace receiver (section <c>LatticeLock:Otlp</c>).</summary>
public sealed class OtlpOptions
{
    public const string Section = "LatticeLock:Otlp";

    /// <summary>Largest request body accepted, before and after gzip decompression; larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Export requests handled at once per silo; more get 429 with Retry-After (OTLP exporters retry those).</summary>
    public int MaxConcurrentExports { get; set; } = 64;
}
