using LatticeLock.Silo.Clustering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.UnitTests;

public sealed class MembershipTimingTests
{
    [Fact]
    public void A_silo_advertising_loopback_probes_every_second_and_votes_a_dead_peer_out_in_about_one_and_a_half()
    {
        var membership = Resolve(new() { ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1" });
        Assert.Equal(TimeSpan.FromSeconds(1), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), membership.MinProbeTimeout); // Orleans derives the bounds from it
        Assert.Equal(TimeSpan.FromSeconds(4), membership.MaxProbeTimeout);
        Assert.Equal(3, membership.NumMissedProbesLimit);
    }

    [Fact]
    public void A_silo_advertising_a_network_address_keeps_orleans_defaults()
    {
        var membership = Resolve(new() { ["LatticeLock:Silo:AdvertisedAddress"] = "10.0.0.7", ["LatticeLock:Silo:ListenAddress"] = "0.0.0.0" });
        Assert.Equal(new ClusterMembershipOptions().ProbeTimeout, membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), membership.ProbeTimeout);
    }

    [Fact]
    public void LatticeLock_Membership_settings_win_over_either_default()
    {
        var membership = Resolve(new()
        {
            ["LatticeLock:Silo:AdvertisedAddress"] = "127.0.0.1",
            ["LatticeLock:Membership:ProbeTimeout"] = "00:00:02",
            ["LatticeLock:Membership:NumMissedProbesLimit"] = "2",
        });
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(2, membership.NumMissedProbesLimit);
    }

    private static ClusterMembershipOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<SiloHostOptions>().Bind(configuration.GetSection(SiloHostOptions.Section));
        services.AddLatticeLockMembershipTiming(configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
    }
}
