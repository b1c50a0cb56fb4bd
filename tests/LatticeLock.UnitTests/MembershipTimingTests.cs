using LatticeLock.Silo.Clustering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.UnitTests;

public sealed class MembershipTimingTests
{
    [Fact]
    public void A_silo_advertising_loopback_votes_a_dead_peer_out_after_two_missed_probes_and_retries_placement_quickly()
    {
        var settings = new Dictionary<string, string?> { ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1" };
        var membership = Resolve(settings);
        Assert.Equal(TimeSpan.FromMilliseconds(500), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), membership.MinProbeTimeout); // Orleans derives it: the probe interval
        Assert.Equal(TimeSpan.FromSeconds(4), membership.MaxProbeTimeout); // 8 × ProbeTimeout on loopback
        Assert.Equal(2, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(8), membership.MaxProbeTimeout * membership.NumMissedProbesLimit); // the vote-suppressing window
        Assert.Equal(TimeSpan.FromMilliseconds(25), ResolveMessaging(settings).PlacementRetryBaseDelay);
    }

    [Fact]
    public void A_silo_advertising_a_network_address_keeps_orleans_defaults()
    {
        var network = new Dictionary<string, string?> { ["LatticeLock:Silo:AdvertisedAddress"] = "10.0.0.7", ["LatticeLock:Silo:ListenAddress"] = "0.0.0.0" };
        var membership = Resolve(network);
        Assert.Equal(new ClusterMembershipOptions().ProbeTimeout, membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), membership.MaxProbeTimeout); // Orleans' 4 ×
        Assert.Equal(3, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ResolveMessaging(network).PlacementRetryBaseDelay);
    }

    [Fact]
    public void LatticeLock_Membership_settings_win_over_either_default()
    {
        var membership = Resolve(new()
        {
            ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1",
            ["LatticeLock:Membership:ProbeTimeout"] = "00:00:02",
            ["LatticeLock:Membership:NumMissedProbesLimit"] = "4",
        });
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(16), membership.MaxProbeTimeout); // follows a ProbeTimeout set here
        Assert.Equal(4, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(3), Resolve(new()
        {
            ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1",
            ["LatticeLock:Membership:MaxProbeTimeout"] = "00:00:03",
        }).MaxProbeTimeout);
    }

    [Fact]
    public void LatticeLock_Messaging_settings_win_over_the_loopback_placement_delay()
    {
        var messaging = ResolveMessaging(new()
        {
            ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1",
            ["LatticeLock:Messaging:PlacementRetryBaseDelay"] = "00:00:00.200",
        });
        Assert.Equal(TimeSpan.FromMilliseconds(200), messaging.PlacementRetryBaseDelay);
    }

    private static ClusterMembershipOptions Resolve(Dictionary<string, string?> settings) =>
        Services(settings).GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

    private static SiloMessagingOptions ResolveMessaging(Dictionary<string, string?> settings) =>
        Services(settings).GetRequiredService<IOptions<SiloMessagingOptions>>().Value;

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section));
        services.AddLatticeLockMembershipTiming(configuration);
        return services.BuildServiceProvider();
    }
}
