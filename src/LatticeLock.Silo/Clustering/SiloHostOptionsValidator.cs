using System.Net;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Clustering;

/// <summary>Fails start-up with a message naming each bad <c>LatticeLock:Silo</c> setting.</summary>
public sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHostOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ClusterId)) errors.Add($"{SiloHostOptions.Section}:ClusterId must not be empty");
        if (string.IsNullOrWhiteSpace(o.ServiceId)) errors.Add($"{SiloHostOptions.Section}:ServiceId must not be empty");
        if (o.SiloPort is < 1 or > 65535) errors.Add($"{SiloHostOptions.Section}:SiloPort must be a TCP port 1-65535 (got {o.SiloPort})");
        if (o.GatewayPort is < 1 or > 65535) errors.Add($"{SiloHostOptions.Section}:GatewayPort must be a TCP port 1-65535 (got {o.GatewayPort})");
        if (o.SiloPort == o.GatewayPort) errors.Add($"{SiloHostOptions.Section}:SiloPort and GatewayPort must differ");
        if (!IPAddress.TryParse(o.AdvertisedAddress, out _)) errors.Add($"{SiloHostOptions.Section}:AdvertisedAddress must be an IP address (got '{o.AdvertisedAddress}')");
        if (!IPAddress.TryParse(o.ListenAddress, out var listen)) errors.Add($"{SiloHostOptions.Section}:ListenAddress must be an IP address (got '{o.ListenAddress}')");
        else if (IPAddress.TryParse(o.AdvertisedAddress, out var advertised) && IPAddress.IsLoopback(listen) && !IPAddress.IsLoopback(advertised))
            errors.Add($"{SiloHostOptions.Section}:AdvertisedAddress {o.AdvertisedAddress} cannot be reached while ListenAddress is loopback ({o.ListenAddress}); set ListenAddress to that interface or 0.0.0.0");
        if (o.ShutdownTimeout < TimeSpan.FromSeconds(5) || o.ShutdownTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"{SiloHostOptions.Section}:ShutdownTimeout must be between 5 seconds and 10 minutes (got {o.ShutdownTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
