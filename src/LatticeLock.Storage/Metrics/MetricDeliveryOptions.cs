using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Metrics;

/// <summary>Which metric sinks receive every model request, and how the delivery pumps run (section <c>Metrics</c>).</summary>
public sealed class MetricDeliveryOptions
{
    public const string Section = "Metrics";
    public static readonly string[] KnownSinks =
        [TimeSeries.Postgres.PostgresMetricSink.SinkName, TimeSeries.Timestream.TimestreamMetricSink.SinkName, TimeSeries.Bigtable.BigtableMetricSink.SinkName];

    /// <summary>False turns metric delivery and cost aggregation off entirely (points wait in model_requests until it is on again).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Comma-separated sink names: <c>postgres</c> (default), <c>timestream</c>, <c>bigtable</c>; several means dual write.</summary>
    public string Sinks { get; set; } = TimeSeries.Postgres.PostgresMetricSink.SinkName;
    /// <summary>Points read and written per batch.</summary>
    public int BatchSize { get; set; } = 1000;
    /// <summary>How often a pump looks for new requests when it has caught up (the time-based flush).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between retries of a failing sink (backoff doubles from one second up to this).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>A sink further behind than this makes /health/ready report Degraded (still ready: recording never waits for sinks).</summary>
    public TimeSpan LagWarning { get; set; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<string> SinkNames => ParseSinks(Sinks);

    public static IReadOnlyList<string> ParseSinks(string? sinks) =>
        [.. (sinks ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).Distinct()];
}

public sealed class MetricDeliveryOptionsValidator : IValidateOptions<MetricDeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricDeliveryOptions o)
    {
        var errors = new List<string>();
        foreach (var sink in o.SinkNames.Where(s => !MetricDeliveryOptions.KnownSinks.Contains(s)))
            errors.Add($"{MetricDeliveryOptions.Section}:Sinks names an unknown sink '{sink}' (known: {string.Join(", ", MetricDeliveryOptions.KnownSinks)})");
        if (o.BatchSize is < 1 or > 50_000) errors.Add($"{MetricDeliveryOptions.Section}:BatchSize must be 1 to 50000");
        if (o.PollInterval <= TimeSpan.Zero) errors.Add($"{MetricDeliveryOptions.Section}:PollInterval must be positive");
        if (o.MaxRetryDelay < TimeSpan.FromSeconds(1)) errors.Add($"{MetricDeliveryOptions.Section}:MaxRetryDelay must be at least 1 second");
        if (o.LagWarning <= TimeSpan.Zero) errors.Add($"{MetricDeliveryOptions.Section}:LagWarning must be positive");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
