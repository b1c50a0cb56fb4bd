using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Metrics;

/// <summary>Fails start-up naming the <c>Metrics</c> setting; sink names are checked against the sinks the host added.</summary>
public sealed class MetricDeliveryOptionsValidator(IEnumerable<KnownMetricSink> knownSinks) : IValidateOptions<MetricDeliveryOptions>
{
    private const string S = MetricDeliveryOptions.Section;

    public ValidateOptionsResult Validate(string? name, MetricDeliveryOptions o)
    {
        var known = knownSinks.Select(k => k.Name).Distinct().ToList();
        var errors = new List<string>();
        foreach (var sink in o.SinkNames.Where(s => !known.Contains(s)))
            errors.Add($"{S}:Sinks names an unknown sink '{sink}' (known: {string.Join(", ", known)})");
        if (o.BatchSize is < 1 or > 50_000) errors.Add($"{S}:BatchSize must be 1 to 50000");
        if (o.PollInterval <= TimeSpan.Zero) errors.Add($"{S}:PollInterval must be positive");
        if (o.MaxRetryDelay < TimeSpan.FromSeconds(1)) errors.Add($"{S}:MaxRetryDelay must be at least 1 second");
        if (o.LagWarning <= TimeSpan.Zero) errors.Add($"{S}:LagWarning must be positive");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
