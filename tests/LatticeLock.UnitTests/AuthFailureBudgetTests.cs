using LatticeLock.Silo.Auth;
using Microsoft.Extensions.Options;

namespace LatticeLock.UnitTests;

/// <summary>The budgets of refused authentications and their in-memory counts (issue 13, item 2).</summary>
public sealed class AuthFailureBudgetTests
{
    [Fact]
    public void A_prefix_is_limited_across_addresses_and_an_address_across_prefixes_independently()
    {
        using var limiter = new AuthFailureLimiter(Options.Create(new AuthOptions { FailuresPerMinutePerAddress = 4, FailuresPerMinutePerKey = 2 }));
        limiter.Spend("10.0.0.1", "ll_aaaa");
        Assert.Null(limiter.KeyRetryAfter("ll_aaaa"));
        limiter.Spend("10.0.0.2", "ll_aaaa");
        Assert.Equal(TimeSpan.FromSeconds(30), limiter.KeyRetryAfter("ll_aaaa"));
        Assert.Null(limiter.KeyRetryAfter("ll_bbbb"));
        Assert.Null(limiter.AddressRetryAfter("10.0.0.1"));

        limiter.Spend("10.0.0.1", null);
        limiter.Spend("10.0.0.1", "ll_cccc");
        Assert.Null(limiter.AddressRetryAfter("10.0.0.1"));
        limiter.Spend("10.0.0.1", null);
        Assert.Equal(TimeSpan.FromSeconds(15), limiter.AddressRetryAfter("10.0.0.1"));
        Assert.Null(limiter.AddressRetryAfter("10.0.0.2"));
        Assert.Null(limiter.KeyRetryAfter("ll_cccc"));
    }

    [Fact]
    public void Counts_merge_per_minute_prefix_and_address_and_overflow_into_one_row_past_the_bound()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 2, 10, 0, 30, TimeSpan.Zero));
        var counts = new AuthFailureCounts(clock, Options.Create(new AuthOptions { MaxPendingFailureRows = 2 }));
        counts.Add("ll_a", "10.0.0.1", "unknown", "curl");
        counts.Add("ll_a", "10.0.0.1", "revoked", null);
        counts.Add(null, "10.0.0.2", "missing", null);
        counts.Add(null, "10.0.0.3", "missing", null); // a third distinct row: folded into the overflow row
        counts.Add(null, "10.0.0.4", "missing", null);
        clock.Now += TimeSpan.FromMinutes(1);
        var drained = counts.Drain();
        Assert.Empty(counts.Drain());
        var minute = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        var a = Assert.Single(drained, c => c.KeyPrefix == "ll_a");
        Assert.Equal((minute, 2L, "revoked"), (a.Minute, a.Attempts, a.LastReason));
        Assert.Equal(1L, Assert.Single(drained, c => c.RemoteAddress == "10.0.0.2").Attempts);
        Assert.Equal(2L, Assert.Single(drained, c => c.RemoteAddress == AuthFailureCounts.OverflowAddress).Attempts);

        counts.Restore(drained);
        counts.Add(null, "10.0.0.2", "missing", null);
        var again = counts.Drain();
        // Restored counts are kept; the new minute's failure finds the bound reached and goes to that minute's overflow row.
        Assert.Equal(6L, again.Sum(c => c.Attempts));
        Assert.Equal(4, again.Count);
        Assert.Equal(1L, Assert.Single(again, c => c.Minute == minute.AddMinutes(1)).Attempts);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
