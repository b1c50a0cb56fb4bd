using System.Diagnostics.Metrics;

namespace LatticeLock.Silo.Auth;

/// <summary>The gateway's own figures on the <c>LatticeLock.Gateway</c> meter: refused authentications by reason, calls re-sent after a silo loss, requests past a key's limits.</summary>
public static class GatewayMeter
{
    public const string Name = "LatticeLock.Gateway";
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("latticelock.auth.failures", "{request}", "Requests refused with 401");

    private static readonly Counter<long> SiloLossRetries = Meter.CreateCounter<long>("latticelock.gateway.silo_loss_retries", "{call}", "Idempotent grain calls re-sent because the silo holding the grain was lost");

    private static readonly Counter<long> KeyLimits = Meter.CreateCounter<long>("latticelock.gateway.key_limited", "{request}", "Requests refused with 429: the key passed its rate or concurrency limit");

    public static void SiloLossRetry() => SiloLossRetries.Add(1);

    public static void KeyLimited() => KeyLimits.Add(1);

    /// <summary>Counts a 401; <paramref name="reason"/> is the kind, never the key.</summary>
    public static void AuthFailure(string reason) => AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
