using LatticeLock.Tls;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace LatticeLock.Silo.Clustering;

public static class ClusterTlsSiloBuilderExtensions
{
    /// <summary>
    /// Mutual TLS on the silo-to-silo and gateway connections when <c>LatticeLock:Tls</c> is set: this silo presents
    /// its certificate and refuses any silo or client whose certificate does not chain to the cluster's CA, so a
    /// process without one cannot call a grain. Bad or missing files stop start-up naming the setting. Without it, the
    /// ports must stay on loopback (<see cref="OpenEndpointsRequireTls"/>).
    /// </summary>
    public static ISiloBuilder UseLatticeLockTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = ClusterTlsSettings.Read(configuration);
        if (settings is null)
        {
            silo.Services.AddOptions<EndpointOptions>().ValidateOnStart();
            silo.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<EndpointOptions>, OpenEndpointsRequireTls>();
            return silo;
        }
        var credentials = ClusterCredentials.Load(settings);
        return silo.UseTls(credentials.Certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (certificate, _, _) => credentials.Trusts(certificate);
        });
    }
}
