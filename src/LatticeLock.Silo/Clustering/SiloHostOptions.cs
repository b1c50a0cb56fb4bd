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
}
