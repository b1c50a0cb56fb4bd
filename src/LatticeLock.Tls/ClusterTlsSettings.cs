using Microsoft.Extensions.Configuration;

namespace LatticeLock.Tls;

/// <summary>
/// Mutual TLS on the Orleans silo and gateway ports (section <c>LatticeLock:Tls</c>, env <c>LatticeLock__Tls__Certificate</c> …).
/// Off unless <see cref="Certificate"/> is set. When on, every silo and client presents a certificate signed by the
/// cluster's CA and refuses any peer whose certificate is not.
/// </summary>
public sealed record ClusterTlsSettings(string Certificate, string Key, string CertificateAuthority)
{
    public const string Section = "LatticeLock:Tls";

    /// <summary>The settings, or null when TLS is not configured. Throws naming the setting when only some are set.</summary>
    public static ClusterTlsSettings? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        string? Value(string name) => string.IsNullOrWhiteSpace(section[name]) ? null : section[name];
        var certificate = Value(nameof(Certificate));
        var key = Value(nameof(Key));
        var authority = Value(nameof(CertificateAuthority));
        if (certificate is null && key is null && authority is null) return null;
        var missing = new[] { (nameof(Certificate), certificate), (nameof(Key), key), (nameof(CertificateAuthority), authority) }
            .Where(s => s.Item2 is null).Select(s => $"{Section}:{s.Item1}").ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"{string.Join(" and ", missing)} must be set too: cluster TLS needs a certificate (PEM), its private key (PEM) and the cluster's CA certificate (PEM)");
        return new ClusterTlsSettings(certificate!, key!, authority!);
    }
}
