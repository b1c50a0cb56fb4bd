using System.Diagnostics.Metrics;

namespace LatticeLock.Silo.Otlp;

/// <summary>Meter <c>LatticeLock.Otlp</c>: spans stored, already stored (exporter retries) and refused.</summary>
public static class OtlpMeter
{
    private static readonly Meter Meter = new("LatticeLock.Otlp");
    private static readonly Counter<long> SpanCounter = Meter.CreateCounter<long>("latticelock.otlp.spans", "{span}", "spans received over OTLP, by outcome");

    public static void Spans(int stored, int alreadyStored, int refused)
    {
        if (stored > 0) SpanCounter.Add(stored, new KeyValuePair<string, object?>("outcome", "stored"));
        if (alreadyStored > 0) SpanCounter.Add(alreadyStored, new KeyValuePair<string, object?>("outcome", "already_stored"));
        if (refused > 0) SpanCounter.Add(refused, new KeyValuePair<string, object?>("outcome", "refused"));
    }
}
