using System.Net;
using LatticeLock.Grains.Projects;

namespace LatticeLock.UnitTests;

/// <summary>Budget webhooks reach public addresses only, unless an operator trusts a private network.</summary>
public sealed class WebhookTargetPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("10.0.0.7")]
    [InlineData("172.16.5.4")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("192.0.2.2")]
    public void Internal_addresses_are_refused(string address) =>
        Assert.NotNull(WebhookTargetPolicy.PublicOnly.Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(WebhookTargetPolicy.PublicOnly.Refusal(IPAddress.Parse(address)));

    [Fact]
    public void An_operator_can_trust_a_private_network_and_nothing_else()
    {
        var policy = WebhookTargetPolicy.Parse("10.20.0.0/16, 192.168.1.5", "Budgets:Webhooks:AllowedPrivateNetworks");
        Assert.Null(policy.Refusal(IPAddress.Parse("10.20.3.4")));
        Assert.Null(policy.Refusal(IPAddress.Parse("192.168.1.5")));
        Assert.NotNull(policy.Refusal(IPAddress.Parse("10.21.0.1")));
        Assert.NotNull(policy.Refusal(IPAddress.Parse("192.168.1.6")));
        Assert.NotNull(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        var error = Assert.Throws<InvalidOperationException>(() => WebhookTargetPolicy.Parse("10.0.0.0/33", "Budgets:Webhooks:AllowedPrivateNetworks"));
        Assert.Contains("Budgets:Webhooks:AllowedPrivateNetworks", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9200/", true)]
    [InlineData("http://[::1]:8080/x", true)]
    [InlineData("http://localhost:8080/", true)]
    [InlineData("http://api.localhost/", true)]
    [InlineData("http://169.254.169.254/latest/meta-data/", true)]
    [InlineData("https://hooks.example.com/budget", false)] // a name: checked when connecting
    [InlineData("http://8.8.8.8/", false)]
    public void Hosts_judged_without_dns_are_refused_when_the_budget_is_set(string url, bool refused) =>
        Assert.Equal(refused, WebhookTargetPolicy.PublicOnly.RefusalOfHost(new Uri(url)) is not null);
}
