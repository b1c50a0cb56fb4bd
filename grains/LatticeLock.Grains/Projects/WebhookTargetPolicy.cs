using System.Net;
using System.Net.Sockets;

namespace LatticeLock.Grains.Projects;

/// <summary>
/// Which addresses a budget webhook may reach. Public addresses only, unless an operator lists a private network as
/// trusted (<c>Budgets:Webhooks:AllowedPrivateNetworks</c>, CIDR list): loopback, private (RFC 1918, RFC 4193),
/// shared (100.64/10), link-local (cloud metadata at 169.254.169.254 included), documentation, benchmarking,
/// multicast, broadcast and unspecified
/// addresses are refused, IPv4-mapped IPv6 forms too. Checked when the budget is set (for literal addresses and
/// <c>localhost</c>) and on every connection (for the addresses a name resolves to, so DNS cannot rebind around it).
/// </summary>
public sealed class WebhookTargetPolicy(IReadOnlyList<IPNetwork> allowedPrivateNetworks)
{
    private static readonly IPNetwork[] Refused =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        // documentation ranges (RFC 5737, RFC 3849): never public, sometimes used inside sandboxes and labs
        IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
        // NAT64 (RFC 6052 well-known prefix and RFC 8215 local-use): a gateway would translate these to any IPv4
        // address, internal ones included; 6to4 (2002::/16) embeds an IPv4 address the same way.
        IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("64:ff9b:1::/48"), IPNetwork.Parse("2002::/16"),
    ];

    /// <summary>Public targets only.</summary>
    public static readonly WebhookTargetPolicy PublicOnly = new([]);

    public IReadOnlyList<IPNetwork> AllowedPrivateNetworks { get; } = allowedPrivateNetworks;

    /// <summary>Null when the address may be reached; otherwise why not (without revealing anything about the target).</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (AllowedPrivateNetworks.Any(n => n.Contains(address))) return null;
        return Refused.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address))
            ? $"{address} is a loopback, private, link-local, multicast or otherwise non-public address; budget webhooks reach public addresses only (an operator can trust a private network with Budgets__Webhooks__AllowedPrivateNetworks)"
            : null;
    }

    /// <summary>The refusal for a URL's host when it can be judged without DNS (a literal address or localhost), else null.</summary>
    public string? RefusalOfHost(Uri url)
    {
        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal)) return Refusal(literal);
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? Refusal(IPAddress.Loopback)
            : null;
    }

    /// <summary>Parses <c>Budgets:Webhooks:AllowedPrivateNetworks</c> (comma-separated CIDRs or single addresses).</summary>
    public static WebhookTargetPolicy Parse(string? setting, string settingName)
    {
        var networks = new List<IPNetwork>();
        foreach (var item in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(item, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(item, out var address))
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else throw new InvalidOperationException($"{settingName}: '{item}' is not a CIDR network (like 10.1.0.0/16) or an IP address");
        }
        return new WebhookTargetPolicy(networks);
    }
}
