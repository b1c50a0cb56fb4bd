namespace LatticeLock.Metrics.Abstractions;

/// <summary>The checks every sink's retry and endpoint settings share, with messages naming the setting under <c>section</c>.</summary>
public static class SinkSettingsValidation
{
    public static void Check(List<string> errors, string section, int maxAttempts, TimeSpan initialBackoff, TimeSpan maxBackoff)
    {
        if (maxAttempts is < 1 or > 20) errors.Add($"{section}:MaxAttempts must be between 1 and 20 (got {maxAttempts})");
        if (initialBackoff < TimeSpan.Zero || initialBackoff > TimeSpan.FromMinutes(1)) errors.Add($"{section}:InitialBackoff must be between 0 and 1 minute (got {initialBackoff})");
        if (maxBackoff < initialBackoff || maxBackoff > TimeSpan.FromMinutes(5)) errors.Add($"{section}:MaxBackoff must be between InitialBackoff and 5 minutes (got {maxBackoff})");
    }

    public static void CheckEndpoint(List<string> errors, string setting, Uri? endpoint)
    {
        if (endpoint is { IsAbsoluteUri: false } || endpoint is { Scheme: not ("http" or "https") })
            errors.Add($"{setting} must be an absolute http(s) URL (got {endpoint})");
    }
}
