namespace LatticeLock.Silo.Clustering;

/// <summary>Where this silo sits in the cluster (section <c>LatticeLock:Silo</c>, env <c>LatticeLock__Silo__SiloPort</c> …).</summary>
public sealed class SiloHostOptions
{
    public const string Section = "LatticeLock:Silo";

    public string ClusterId { get; set; } = "lattice";
    public string ServiceId { get; set; } = "lattice";
    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;
    /// <summary>Port Orleans clients connect to.</summary>
    public int GatewayPort { get; set; } = 30000;
    /// <summary>The address other silos and clients use to reach this one.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>
    /// The interface the silo and gateway ports listen on. Loopback by default: Orleans' own protocol has no
    /// authentication, so anyone who reaches these ports can call any grain past every API-key check. Set
    /// <c>0.0.0.0</c> (or one interface's address) only for a multi-host cluster on a network only its members reach.
    /// </summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>
    /// How long a stop (SIGTERM, Ctrl-C) may take before the process exits with whatever still hangs abandoned
    /// (the host's shutdown timeout). Callers of uncommitted model requests are answered 503 earlier, after
    /// <c>LatticeLock:Commit:ShutdownDrainTimeout</c> (10 s).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Serve the Orleans Dashboard at <c>/orleans-dashboard/</c> to loopback callers (development; off by default).</summary>
    public bool OrleansDashboard { get; set; }
}
