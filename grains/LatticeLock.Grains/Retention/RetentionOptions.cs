namespace LatticeLock.Grains.Retention;

/// <summary>The retention job (section <c>Retention</c>; docs/retention.md).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Whether this cluster runs the job at all (a workspace's settings are kept either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between passes (1 second to 1 day).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many rows per DELETE statement, each its own transaction (100 to 100,000).</summary>
    public int BatchSize { get; set; } = 5000;
}
