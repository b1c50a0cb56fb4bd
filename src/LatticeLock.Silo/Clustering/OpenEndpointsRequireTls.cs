using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace LatticeLock.Silo.Clustering;

/// <summary>
/// Without mutual TLS, the silo and gateway ports must listen on loopback: Orleans' protocol has no authentication,
/// so whoever reaches a port on a network interface could call any grain past every API-key check. Checked on the
/// final <see cref="EndpointOptions"/>, whichever setting produced them (<c>LatticeLock:Silo:ListenAddress</c> or the
/// <c>Orleans</c> section); start-up stops naming both settings.
/// </summary>
public sealed class OpenEndpointsRequireTls : IValidateOptions<EndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, EndpointOptions o)
    {
        var errors = new List<string>();
        Check("silo", o.SiloListeningEndpoint?.Address ?? o.AdvertisedIPAddress, o.SiloPort, errors);
        if (o.GatewayPort > 0) Check("gateway", o.GatewayListeningEndpoint?.Address ?? o.AdvertisedIPAddress, o.GatewayPort, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(string port, IPAddress? address, int number, List<string> errors)
    {
        if (address is null || IPAddress.IsLoopback(address)) return;
        errors.Add($"the {port} port ({number}) would listen on {address} without mutual TLS, so anyone reaching it could call any grain: " +
            "set LatticeLock:Tls:Certificate, LatticeLock:Tls:Key and LatticeLock:Tls:CertificateAuthority, or keep " +
            "LatticeLock:Silo:ListenAddress (and Orleans:Endpoints) on loopback");
    }
}
