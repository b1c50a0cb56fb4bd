using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Traces;

/// <summary>Trace reads (section <c>LatticeLock:Traces</c>).</summary>
public sealed class TraceReadOptions
{
    public const string Section = "LatticeLock:Traces";

    /// <summary>Spans per page of <c>GET /v1/traces/{id}</c>, and the largest <c>limit</c> a caller may ask for.</summary>
    public int MaxSpansPerPage { get; set; } = 1000;

    /// <summary>
    /// Trace layouts computed at once per silo (each holds about 100 bytes per span of its trace while it runs); more
    /// readers wait up to <see cref="QueueTimeout"/>, then get 503 with Retry-After.
    /// </summary>
    public int MaxConcurrentLayouts { get; set; } = 2;

    /// <summary>How long a read waits for a layout slot before it is refused.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Spans of trace layouts kept per silo for the next pages of a walk (about 100 bytes each: 1,000,000 is about
    /// 100 MB); a trace larger than this is laid out again for each page.
    /// </summary>
    public int LayoutCacheSpans { get; set; } = 1_000_000;

    /// <summary>How long a kept layout may go unused before it is dropped (its cursors then lay the trace out again).</summary>
    public TimeSpan LayoutCacheIdle { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class TraceReadOptionsValidator : IValidateOptions<TraceReadOptions>
{
    public ValidateOptionsResult Validate(string? name, TraceReadOptions o)
    {
        var errors = new List<string>();
        if (o.MaxSpansPerPage is < 1 or > 10_000) errors.Add($"{TraceReadOptions.Section}:MaxSpansPerPage must be between 1 and 10000 (got {o.MaxSpansPerPage})");
        if (o.MaxConcurrentLayouts is < 1 or > 64) errors.Add($"{TraceReadOptions.Section}:MaxConcurrentLayouts must be between 1 and 64 (got {o.MaxConcurrentLayouts})");
        if (o.LayoutCacheSpans is < 0 or > 100_000_000) errors.Add($"{TraceReadOptions.Section}:LayoutCacheSpans must be between 0 and 100000000 (got {o.LayoutCacheSpans})");
        if (o.LayoutCacheIdle < TimeSpan.Zero || o.LayoutCacheIdle > TimeSpan.FromHours(1)) errors.Add($"{TraceReadOptions.Section}:LayoutCacheIdle must be between 0 and 1 hour (got {o.LayoutCacheIdle})");
        if (o.QueueTimeout < TimeSpan.Zero || o.QueueTimeout > TimeSpan.FromMinutes(5)) errors.Add($"{TraceReadOptions.Section}:QueueTimeout must be between 0 and 5 minutes (got {o.QueueTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
