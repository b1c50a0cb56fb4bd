using System.Diagnostics;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Re-sends an idempotent grain call when the silo holding the grain was lost (crashed, or shut down mid-call):
/// Orleans rejects such a call with <see cref="OrleansMessageRejectionException"/> (<see cref="SiloUnavailableException"/>)
/// until membership votes the silo out, after which the grain activates on a live silo. Only calls whose effect is
/// keyed by an id fixed before the first attempt come here (a model request's id, a turn's turn_id): the lost attempt
/// either never ran or committed, and the repeat is answered as the duplicate it is. Past <see cref="Budget"/> the
/// rejection surfaces as 503 with Retry-After, as before.
/// </summary>
public static class SiloLossRetry
{
    /// <summary>The longest a caller waits here: well above the ~1 s a dead peer takes to be voted out on one machine.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(100);

    public static Task RunAsync(Func<Task> idempotentCall, CancellationToken cancellationToken) =>
        RunAsync(async () => { await idempotentCall(); return true; }, cancellationToken);

    public static async Task<T> RunAsync<T>(Func<Task<T>> idempotentCall, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = FirstDelay;
        while (true)
        {
            try
            {
                return await idempotentCall();
            }
            catch (OrleansMessageRejectionException) when (Stopwatch.GetElapsedTime(started) + delay < Budget)
            {
                GatewayMeter.SiloLossRetry();
                await Task.Delay(delay, cancellationToken);
                delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
            }
        }
    }
}
