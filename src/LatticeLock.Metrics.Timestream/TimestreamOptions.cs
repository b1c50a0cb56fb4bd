namespace LatticeLock.Metrics.Timestream;

/// <summary>Settings of the Timestream (LiveAnalytics) metric sink, section <c>Metrics:Timestream</c>.</summary>
public sealed class TimestreamOptions
{
    public const string Section = "Metrics:Timestream";

    /// <summary>Name of the connection string (<c>ConnectionStrings:timestream</c>) that, when set, overrides <see cref="Endpoint"/>.</summary>
    public const string ConnectionStringName = "timestream";

    /// <summary>AWS region, e.g. <c>us-east-1</c>; part of the signature and of the discovery host. Required.</summary>
    public string? Region { get; set; }

    /// <summary>Timestream database. Required.</summary>
    public string? Database { get; set; }

    /// <summary>Timestream table. Required.</summary>
    public string? Table { get; set; }

    /// <summary>
    /// Data-plane endpoint override (an emulator, a VPC endpoint); endpoint discovery is skipped when set.
    /// <c>ConnectionStrings:timestream</c> takes precedence over it.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Where DescribeEndpoints is called without an override; default <c>https://ingest.timestream.&lt;Region&gt;.amazonaws.com</c>.</summary>
    public Uri? DiscoveryEndpoint { get; set; }

    /// <summary>Access key; when empty, AWS_ACCESS_KEY_ID.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Secret key; when empty, AWS_SECRET_ACCESS_KEY.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>Session token of temporary credentials; when empty, AWS_SESSION_TOKEN (optional).</summary>
    public string? SessionToken { get; set; }

    /// <summary>Measure name shared by every record (all measures are in one multi-measure record per point).</summary>
    public string MeasureName { get; set; } = "model_request";

    /// <summary>Records per WriteRecords call; Timestream accepts at most 100.</summary>
    public int MaxRecordsPerCall { get; set; } = 100;

    /// <summary>Attempts per call (the first one included) on throttling, server errors and transport errors.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff before the first retry; it doubles per retry, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for one HTTP call before it counts as a transport error (and is retried).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Local runs and emulators only: create the database and table at first use (and again if they disappear).
    /// In production they are created by deployment, with the retention you want.
    /// </summary>
    public bool CreateTableIfMissing { get; set; }

    public Uri ResolveDiscoveryEndpoint() => DiscoveryEndpoint ?? new Uri($"https://ingest.timestream.{Region}.amazonaws.com/");
}
