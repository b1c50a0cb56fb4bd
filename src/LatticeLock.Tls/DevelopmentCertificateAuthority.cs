using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LatticeLock.Tls;

/// <summary>
/// A throwaway CA for a local or test cluster, and certificates it signs, written as PEM files. Not for production:
/// the CA's key sits next to the certificates. A real cluster's certificates come from the operator's own CA.
/// </summary>
public sealed class DevelopmentCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly ECDsa _key;

    private DevelopmentCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A new CA named <paramref name="name"/>, valid for <paramref name="lifetime"/> (default 30 days).</summary>
    public static DevelopmentCertificateAuthority Create(string name = "LatticeLock development CA", TimeSpan? lifetime = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime ?? TimeSpan.FromDays(30)));
        return new DevelopmentCertificateAuthority(certificate, key);
    }

    /// <summary>
    /// A certificate for a silo or client named <paramref name="name"/>, usable for both ends of a TLS connection
    /// (silos connect to each other), valid for localhost and 127.0.0.1 and the extra names given.
    /// </summary>
    public X509Certificate2 Issue(string name, IEnumerable<string>? hostNames = null, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication, ClientAuthentication], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        foreach (var host in hostNames ?? [])
        {
            if (IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(host);
        }
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(lifetime ?? TimeSpan.FromDays(30));
        if (notAfter > Certificate.NotAfter) notAfter = Certificate.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var signed = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddMinutes(-5), notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes <c>ca.pem</c> (and <c>ca.key</c>, so more certificates can be issued later) and, for each name,
    /// <c>NAME.pem</c> and <c>NAME.key</c> into <paramref name="folder"/>; private keys are readable by the owner only.
    /// </summary>
    public void WriteTo(string folder, IEnumerable<string> names, IEnumerable<string>? hostNames = null)
    {
        // The folder is the owner's alone (0700) from its creation.
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WritePem(Path.Combine(folder, "ca.pem"), Certificate.ExportCertificatePem(), secret: false);
        WritePem(Path.Combine(folder, "ca.key"), _key.ExportPkcs8PrivateKeyPem(), secret: true);
        var hosts = hostNames?.ToList() ?? [];
        foreach (var name in names)
        {
            using var issued = Issue(name, hosts);
            using var key = issued.GetECDsaPrivateKey()!;
            WritePem(Path.Combine(folder, $"{name}.pem"), issued.ExportCertificatePem(), secret: false);
            WritePem(Path.Combine(folder, $"{name}.key"), key.ExportPkcs8PrivateKeyPem(), secret: true);
        }
    }

    /// <summary>Private keys are created owner-only (0600): the mode is set when the file is made, not after its bytes are in.</summary>
    private static void WritePem(string path, string pem, bool secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (File.Exists(path)) File.Delete(path); // UnixCreateMode applies only to a file this call creates
        using var file = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        file.Write(pem + "\n");
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
