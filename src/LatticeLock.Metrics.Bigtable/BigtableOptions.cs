namespace LatticeLock.Metrics.Bigtable;

/// <summary>Settings of the Cloud Bigtable metric sink, section <c>Metrics:Bigtable</c>.</summary>
public sealed class BigtableOptions
{
    public const string Section = "Metrics:Bigtable";

    /// <summary>Name of the connection string (<c>ConnectionStrings:bigtable</c>) that, when set, overrides <see cref="Endpoint"/>.</summary>
    public const string ConnectionStringName = "bigtable";

    public static readonly Uri DefaultEndpoint = new("https://bigtable.googleapis.com");
    public static readonly Uri DefaultAdminEndpoint = new("https://bigtableadmin.googleapis.com");
    public static readonly Uri DefaultMetadataTokenUrl = new("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token");

    /// <summary>Google Cloud project id. Required.</summary>
    public string? ProjectId { get; set; }

    /// <summary>Bigtable instance id. Required.</summary>
    public string? InstanceId { get; set; }

    /// <summary>Table id; the table and its column family are created by deployment (or, locally, by <see cref="CreateTableIfMissing"/>).</summary>
    public string TableId { get; set; } = "model_requests";

    /// <summary>Column family that holds the measure cells.</summary>
    public string ColumnFamily { get; set; } = "m";

    /// <summary>App profile for routing; empty for the instance default.</summary>
    public string? AppProfileId { get; set; }

    /// <summary>
    /// Data API endpoint: <c>https://bigtable.googleapis.com</c> (TLS, bearer token) by default; an <c>http://</c>
    /// endpoint (the emulator) is plaintext HTTP/2 without authentication. <c>ConnectionStrings:bigtable</c> takes precedence.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// OAuth2 access token sent as <c>authorization: Bearer</c>. When empty (and the endpoint is https), tokens come from
    /// the GCE metadata server. These are the only two authentication modes: there is no service-account key file support.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>Token endpoint of the GCE/GKE metadata server (called with <c>Metadata-Flavor: Google</c>).</summary>
    public Uri MetadataTokenUrl { get; set; } = DefaultMetadataTokenUrl;

    /// <summary>Creates the table (millisecond granularity) and column family at first use, and again when a write finds it missing. For the emulator and local runs only.</summary>
    public bool CreateTableIfMissing { get; set; }

    /// <summary>SetCell mutations per MutateRows call; Bigtable accepts at most 100,000.</summary>
    public int MaxMutationsPerCall { get; set; } = 10_000;

    /// <summary>Attempts per call (the first included) for retryable failures, per entry or of the whole call.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Backoff before the first retry; it doubles per retry, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of one MutateRows call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public Uri ResolveEndpoint() => Endpoint ?? DefaultEndpoint;

    /// <summary>The admin API lives on the data endpoint of an override (the emulator serves both), else on bigtableadmin.googleapis.com.</summary>
    public Uri ResolveAdminEndpoint() => Endpoint ?? DefaultAdminEndpoint;

    /// <summary>Plaintext endpoints (the emulator) get no credentials.</summary>
    public bool IsPlaintext => ResolveEndpoint().Scheme == Uri.UriSchemeHttp;

    public string InstanceName => $"projects/{ProjectId}/instances/{InstanceId}";

    public string TableName => $"{InstanceName}/tables/{TableId}";
}
