using Microsoft.Extensions.Configuration;

namespace LatticeLock.Grains.Metrics;

/// <summary>Which metric sinks receive every model request, and how the delivery pumps run (section <c>Metrics</c>).</summary>
public sealed class MetricDeliveryOptions
{
    public const string Section = "Metrics";

    /// <summary>False turns metric delivery and cost aggregation off entirely (points wait in model_requests until it is on again).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>The sink every silo writes to unless configured otherwise: the PostgreSQL sink's name (a unit test holds them equal).</summary>
    public const string DefaultSinks = "postgres";

    /// <summary>Comma-separated sink names (<see cref="DefaultSinks"/> by default); several means dual write. Known names are the sinks the silo adds.</summary>
    public string Sinks { get; set; } = DefaultSinks;
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

    /// <summary>
    /// The sinks <c>Metrics:Sinks</c> selects, read while services are still being registered (a sink's services are
    /// only added when it is selected); the bound options are validated later, at start.
    /// </summary>
    public static IReadOnlyList<string> SelectedSinks(IConfiguration configuration) =>
        ParseSinks(configuration[$"{Section}:{nameof(Sinks)}"] ?? new MetricDeliveryOptions().Sinks);
}
