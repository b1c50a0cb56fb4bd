using LatticeLock.Silo.Http;

namespace LatticeLock.UnitTests;

public sealed class SiloLossRetryTests
{
    [Fact]
    public async Task A_call_refused_because_its_silo_was_lost_is_sent_again_until_it_is_answered()
    {
        var attempts = 0;
        var answer = await SiloLossRetry.RunAsync(() =>
        {
            if (++attempts < 3) throw new SiloUnavailableException("the silo holding the grain is gone");
            return Task.FromResult(42);
        }, CancellationToken.None);
        Assert.Equal((42, 3), (answer, attempts));
    }

    [Fact]
    public async Task Any_other_failure_is_not_retried()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => SiloLossRetry.RunAsync<int>(() =>
        {
            attempts++;
            throw new TimeoutException("no answer");
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }
}
