using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Clustering;

/// <summary>
/// How fast a silo that died without a goodbye (kill -9, power loss) is voted out. Until then, calls already sent to
/// it wait, so this bounds the stall a crash causes. A silo advertising a loopback address lives on one machine with
/// its peers, where a probe costs a millisecond and a dead peer refuses connections at once: it probes every
/// <see cref="LoopbackProbeTimeout"/> (Orleans adapts the interval between half and four times that), which votes a
/// dead peer out in about 1–1.5 s. On a real network Orleans' defaults stay (5 s probes, 3 missed, 2 votes: 5–8 s).
/// Either is overridden by <c>LatticeLock:Membership:*</c>, bound onto Orleans' <see cref="ClusterMembershipOptions"/>
/// (e.g. <c>LatticeLock__Membership__ProbeTimeout=00:00:02</c>, <c>…__NumMissedProbesLimit</c>).
/// </summary>
public static class MembershipTiming
{
    public const string Section = "LatticeLock:Membership";

    public static readonly TimeSpan LoopbackProbeTimeout = TimeSpan.FromSeconds(1);

    public static ISiloBuilder UseLatticeLockMembershipTiming(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddLatticeLockMembershipTiming(configuration);
        return silo;
    }

    public static IServiceCollection AddLatticeLockMembershipTiming(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterMembershipOptions>()
            .Configure<IOptions<SiloHostOptions>>((membership, host) =>
            {
                if (IsSingleMachine(host.Value)) membership.ProbeTimeout = LoopbackProbeTimeout; // Min/MaxProbeTimeout follow it
            })
            .Bind(configuration.GetSection(Section));
        return services;
    }

    /// <summary>Every member advertises loopback, so every peer is on this machine.</summary>
    public static bool IsSingleMachine(SiloHostOptions host) =>
        IPAddress.TryParse(host.AdvertisedAddress, out var advertised) && IPAddress.IsLoopback(advertised);
}
