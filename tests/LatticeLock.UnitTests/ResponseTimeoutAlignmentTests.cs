using LatticeLock.Silo.Persistence;
using LatticeLock.Storage.Commits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.UnitTests;

/// <summary>A grain call waiting for a commit outlives the commit timeout, so it gets the commit's answer (issue 13, item 5).</summary>
public sealed class ResponseTimeoutAlignmentTests
{
    [Theory]
    [InlineData(30, 40)]   // the defaults: Orleans' 30 s would end the call as the commit times out
    [InlineData(120, 130)]
    [InlineData(1, 30)]    // a short commit timeout leaves Orleans' own 30 s in place
    public void The_silo_response_timeout_stays_above_the_commit_timeout(int commitSeconds, int expectedSeconds)
    {
        var services = new ServiceCollection();
        services.AddOptions<CommitOptions>().Configure(o => o.Timeout = TimeSpan.FromSeconds(commitSeconds));
        services.AlignResponseTimeoutWithCommitTimeout();
        using var provider = services.BuildServiceProvider();
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), provider.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout);
    }
}
