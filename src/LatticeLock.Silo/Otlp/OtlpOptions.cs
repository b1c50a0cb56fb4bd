using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Otlp;

/// <summary>
/// The OTLP/HTTP trace receiver (section <c>LatticeLock:Otlp</c>). A body past <see cref="MaxBodyBytes"/> is 413; a
/// span past a per-span limit, the spans of a resource past a per-resource limit, and the spans past a per-export
/// count are refused through the answer's <c>partial_success</c> (count and reasons), the rest are stored.
/// </summary>
public sealed class OtlpOptions
{
    public const string Section = "LatticeLock:Otlp";

    /// <summary>Largest request body accepted, before and after gzip decompression; larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Export requests handled at once per silo; more get 429 with Retry-After (OTLP exporters retry those).</summary>
    public int MaxConcurrentExports { get; set; } = 64;

    /// <summary>
    /// Body bytes being received and ingested at once per silo (all exports together; an OTLP/JSON body counts
    /// <see cref="OtlpPayload.JsonMemoryFactor"/> times); past it, 429 with Retry-After.
    /// </summary>
    public long MaxBytesInFlight { get; set; } = 256L * 1024 * 1024;

    /// <summary>Time to receive a whole body, counted before an export slot is taken; a slower sender gets 408.</summary>
    public TimeSpan BodyReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Spans stored per export; the ones after it are refused (partial_success).</summary>
    public int MaxSpansPerExport { get; set; } = 10_000;

    /// <summary>Distinct trace ids per export; spans of further traces are refused.</summary>
    public int MaxTracesPerExport { get; set; } = 1_000;

    /// <summary>Sessions an export may create for new conversations; spans of traces needing more are refused.</summary>
    public int MaxNewSessionsPerExport { get; set; } = 100;

    /// <summary>Attributes of one span; a span with more is refused.</summary>
    public int MaxAttributesPerSpan { get; set; } = 256;

    /// <summary>Attributes of one resource; every span of a resource with more is refused.</summary>
    public int MaxAttributesPerResource { get; set; } = 128;

    /// <summary>Attributes of one span event; a span with an event holding more is refused.</summary>
    public int MaxAttributesPerEvent { get; set; } = 128;

    /// <summary>Events of one span; a span with more is refused.</summary>
    public int MaxEventsPerSpan { get; set; } = 128;

    /// <summary>Links of one span; a span with more is refused (links are not stored).</summary>
    public int MaxLinksPerSpan { get; set; } = 128;

    /// <summary>Bytes of one attribute value (UTF-8 of a string, raw bytes, or everything inside an array or key-value list).</summary>
    public int MaxAttributeValueBytes { get; set; } = 256 * 1024;

    /// <summary>Nesting of arrays and key-value lists inside one attribute value.</summary>
    public int MaxAttributeDepth { get; set; } = 8;
}

public sealed class OtlpOptionsValidator : IValidateOptions<OtlpOptions>
{
    public ValidateOptionsResult Validate(string? name, OtlpOptions o)
    {
        var errors = new List<string>();
        void Check(string setting, long value, long min, long max)
        {
            if (value < min || value > max) errors.Add($"{OtlpOptions.Section}:{setting} must be between {min} and {max} (got {value})");
        }
        Check(nameof(o.MaxBodyBytes), o.MaxBodyBytes, 1024, 256L * 1024 * 1024);
        Check(nameof(o.MaxConcurrentExports), o.MaxConcurrentExports, 1, 10_000);
        Check(nameof(o.MaxBytesInFlight), o.MaxBytesInFlight, o.MaxBodyBytes, 16L * 1024 * 1024 * 1024);
        Check(nameof(o.MaxSpansPerExport), o.MaxSpansPerExport, 1, 1_000_000);
        Check(nameof(o.MaxTracesPerExport), o.MaxTracesPerExport, 1, 1_000_000);
        Check(nameof(o.MaxNewSessionsPerExport), o.MaxNewSessionsPerExport, 0, 100_000);
        Check(nameof(o.MaxAttributesPerSpan), o.MaxAttributesPerSpan, 0, 100_000);
        Check(nameof(o.MaxAttributesPerResource), o.MaxAttributesPerResource, 0, 100_000);
        Check(nameof(o.MaxAttributesPerEvent), o.MaxAttributesPerEvent, 0, 100_000);
        Check(nameof(o.MaxEventsPerSpan), o.MaxEventsPerSpan, 0, 100_000);
        Check(nameof(o.MaxLinksPerSpan), o.MaxLinksPerSpan, 0, 100_000);
        Check(nameof(o.MaxAttributeValueBytes), o.MaxAttributeValueBytes, 16, 256L * 1024 * 1024);
        Check(nameof(o.MaxAttributeDepth), o.MaxAttributeDepth, 1, 32);
        if (o.BodyReadTimeout <= TimeSpan.Zero || o.BodyReadTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"{OtlpOptions.Section}:BodyReadTimeout must be between 0 and 10 minutes (got {o.BodyReadTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
