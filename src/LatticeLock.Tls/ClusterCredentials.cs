using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LatticeLock.Tls;

/// <summary>
/// This process's certificate (with its private key) and the CA that every peer's certificate must chain to.
/// Loaded once at start; a file that is missing, unreadable or not signed by the CA stops start-up naming the setting.
/// </summary>
public sealed class ClusterCredentials
{
    private ClusterCredentials(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    public X509Certificate2 Certificate { get; }
    public X509Certificate2 Authority { get; }

    public static ClusterCredentials Load(ClusterTlsSettings settings)
    {
        X509Certificate2 authority;
        try
        {
            authority = X509Certificate2.CreateFromPem(File.ReadAllText(settings.CertificateAuthority));
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{ClusterTlsSettings.Section}:CertificateAuthority: cannot read a PEM certificate from '{settings.CertificateAuthority}': {e.Message}", e);
        }
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(settings.Certificate, settings.Key);
            // Re-imported so that SslStream can use the key on every platform (a PEM-loaded key is ephemeral).
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{ClusterTlsSettings.Section}:Certificate / Key: cannot read a PEM certificate and its private key from '{settings.Certificate}' and '{settings.Key}': {e.Message}", e);
        }
        if (!ClusterTrust.IsSignedBy(certificate, authority))
            throw new InvalidOperationException($"{ClusterTlsSettings.Section}:Certificate '{settings.Certificate}' ({certificate.Subject}) is not signed by the CA in {ClusterTlsSettings.Section}:CertificateAuthority ({authority.Subject}), or has expired");
        return new ClusterCredentials(certificate, authority);
    }

    /// <summary>Whether a peer's certificate chains to this cluster's CA (and nothing else: the system's roots are not trusted here).</summary>
    public bool Trusts(X509Certificate2 peer) => ClusterTrust.IsSignedBy(peer, Authority);
}
