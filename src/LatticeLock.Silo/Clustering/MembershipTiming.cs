using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Clustering;

/// <summary>
/// How fast a silo that died without a goodbye (kill -9, power loss) is voted out, and how fast calls find its grains
/// a new home afterwards. Until the vote, calls already sent to it wait, so this bounds the stall a crash causes.
/// A silo advertising a loopback address lives on one machine with its peers, where a probe costs a millisecond and a
/// dead peer refuses connections at once:
/// <list type="bullet">
/// <item>it probes every <see cref="LoopbackProbeTimeout"/> / 2 (Orleans adapts the interval between half of
/// <c>ProbeTimeout</c> and <c>MaxProbeTimeout</c>, stretching it while this silo is overloaded) and votes a peer out
/// after <see cref="LoopbackMissedProbesLimit"/> missed probes: about 0.25–0.5 s after the crash;</item>
/// <item>a connection that received a message within <c>MaxProbeTimeout</c> × the missed-probe limit suppresses the
/// vote, so a live silo that stalls under load is not voted out: on loopback <c>MaxProbeTimeout</c> is
/// <see cref="LoopbackMaxProbeTimeoutFactor"/> × <c>ProbeTimeout</c> (Orleans: 4×), an 8 s window;</item>
/// <item>placement retries a directory lookup that failed on the dead silo after
/// <see cref="LoopbackPlacementRetryBaseDelay"/> (doubling) rather than Orleans' 100 ms, so calls queued behind the
/// vote go on within tens of milliseconds of it.</item>
/// </list>
/// On a real network Orleans' defaults stay (5 s probes, 3 missed, 2 votes: 5–8 s). Either is overridden by
/// <c>LatticeLock:Membership:*</c>, bound onto Orleans' <see cref="ClusterMembershipOptions"/> (e.g.
/// <c>LatticeLock__Membership__ProbeTimeout=00:00:02</c>, <c>…__NumMissedProbesLimit</c>), and
/// <c>LatticeLock:Messaging:*</c>, bound onto <see cref="SiloMessagingOptions"/> (e.g.
/// <c>LatticeLock__Messaging__PlacementRetryBaseDelay</c>).
/// </summary>
public static class MembershipTiming
{
    public const string Section = "LatticeLock:Membership";
    public const string MessagingSection = "LatticeLock:Messaging";

    public static readonly TimeSpan LoopbackProbeTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Two missed probes, not Orleans' three: on loopback a dead peer's port refuses at once, so a second refusal is
    /// as certain as a third.
    /// </summary>
    public const int LoopbackMissedProbesLimit = 2;

    /// <summary>MaxProbeTimeout = this × ProbeTimeout on loopback unless set: keeps the vote-suppressing window at 8 s.</summary>
    public const int LoopbackMaxProbeTimeoutFactor = 8;

    public static readonly TimeSpan LoopbackPlacementRetryBaseDelay = TimeSpan.FromMilliseconds(25);

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
                if (!IsSingleMachine(host.Value)) return;
                membership.ProbeTimeout = LoopbackProbeTimeout; // MinProbeTimeout follows it
                membership.NumMissedProbesLimit = LoopbackMissedProbesLimit;
            })
            .Bind(configuration.GetSection(Section))
            .PostConfigure<IOptions<SiloHostOptions>>((membership, host) =>
            {
                if (IsSingleMachine(host.Value) && configuration.GetSection(Section)[nameof(ClusterMembershipOptions.MaxProbeTimeout)] is null)
                    membership.MaxProbeTimeout = membership.ProbeTimeout * LoopbackMaxProbeTimeoutFactor;
            });
        services.AddOptions<SiloMessagingOptions>()
            .Configure<IOptions<SiloHostOptions>>((messaging, host) =>
            {
                if (IsSingleMachine(host.Value)) messaging.PlacementRetryBaseDelay = LoopbackPlacementRetryBaseDelay;
            })
            .Bind(configuration.GetSection(MessagingSection));
        return services;
    }

    /// <summary>Every member advertises loopback, so every peer is on this machine.</summary>
    public static bool IsSingleMachine(SiloHostOptions host) =>
        IPAddress.TryParse(host.AdvertisedAddress, out var advertised) && IPAddress.IsLoopback(advertised);
}
