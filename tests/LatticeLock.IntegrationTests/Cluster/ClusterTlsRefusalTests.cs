using System.Net;
using LatticeLock.Tls;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// A silo with mutual TLS refuses an Orleans client that presents no certificate, or one another CA issued, for that
/// reason: the client reaches no grain, and during its attempt the silo logs the TLS handshake it refused
/// (an AuthenticationException), so the test cannot pass on any other error that happens to stop the client.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ClusterTlsRefusalTests(ServersFixture servers)
{
    [Fact]
    public async Task A_client_without_the_clusters_certificate_is_refused_by_the_tls_handshake()
    {
        var database = await servers.CreateDatabaseAsync();
        var redis = await servers.RedisAsync();
        var clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];
        var certificates = Directory.CreateTempSubdirectory("ll-tls-refusal-").FullName;
        var foreign = Directory.CreateTempSubdirectory("ll-tls-foreign-").FullName;
        try
        {
            using (var ca = DevelopmentCertificateAuthority.Create("refusal test")) ca.WriteTo(certificates, ["silo", "client"]);
            await using var silo = SiloProcess.Start(new()
            {
                ["ConnectionStrings__postgres"] = database,
                ["ConnectionStrings__redis"] = redis,
                ["LatticeLock__Tls__Certificate"] = Path.Combine(certificates, "silo.pem"),
                ["LatticeLock__Tls__Key"] = Path.Combine(certificates, "silo.key"),
                ["LatticeLock__Tls__CertificateAuthority"] = Path.Combine(certificates, "ca.pem"),
            }, clusterId);
            using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            await silo.WaitForAsync(http, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(90));
            var (code, output) = await BuiltProgram.RunCliAsync(database, "users", "create", "--email", "tls@example.com", "--name", "Tls");
            Assert.True(code == 0, output);
            var userId = Guid.Parse(output.Split('\n').Select(l => l.Trim()).First(l => Guid.TryParse(l.Split(' ').Last(), out _)).Split(' ').Last());

            var (keyCode, keyOutput) = await BuiltProgram.RunCliAsync(database, "keys", "create", "--admin");
            Assert.True(keyCode == 0, keyOutput);
            var adminKey = keyOutput.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ll_", StringComparison.Ordinal));
            var own = new ClusterTlsSettings(Path.Combine(certificates, "client.pem"), Path.Combine(certificates, "client.key"), Path.Combine(certificates, "ca.pem"));

            // The cluster's own client certificate with a key reads the user.
            Assert.Equal("Tls", await ClusterClients.GetUserNameAsync(redis, clusterId, userId, own, adminKey));

            // The certificate alone grants no data access: a key the cluster does not know is refused on the call itself.
            var unknownKey = await ClusterClients.RefusalOfAsync(redis, clusterId, userId, own, "ll_aaaaaaaaaaaa_" + new string('A', 43));
            Assert.IsType<LatticeLock.Grains.Abstractions.Errors.NotAuthenticatedException>(unknownKey);

            // No certificate: the silo refuses the client's TLS handshake (the client itself only sees no gateway answer).
            var refusalsBefore = Refusals(silo.Output);
            var refusal = await ClusterClients.RefusalOfAsync(redis, clusterId, userId, null, adminKey);
            Assert.True(refusal is not null, "a client with no certificate read a grain");
            var refusalsAfter = await Eventually.Until(() => Task.FromResult(Refusals(silo.Output)), n => n > refusalsBefore, TimeSpan.FromSeconds(10),
                what: "the silo refusing the TLS handshake of a client with no certificate");
            Console.WriteLine($"no certificate: the client stopped with {refusal!.GetType().Name}; the silo refused {refusalsAfter - refusalsBefore} TLS handshakes");

            // Another CA's certificate with the cluster's CA: our client refuses to start, naming the setting, before connecting.
            var mismatched = ClusterClients.ForeignCertificate(foreign) with { CertificateAuthority = Path.Combine(certificates, "ca.pem") };
            var refused = await ClusterClients.RefusalOfAsync(redis, clusterId, userId, mismatched, adminKey);
            Assert.Contains("is not signed by the CA in LatticeLock:Tls:CertificateAuthority", refused?.Message ?? "(the client read a grain)");

            // Another CA's certificate and CA: whichever side of the handshake refuses first (the client refuses the silo's
            // certificate, or the silo the client's), no connection is made and no grain is read.
            var foreignRefusal = await ClusterClients.RefusalOfAsync(redis, clusterId, userId, ClusterClients.ForeignCertificate(foreign), adminKey);
            Assert.True(foreignRefusal is not null, "a client with another CA's certificate read a grain");
            Console.WriteLine($"another CA: the client stopped with {foreignRefusal!.GetType().Name}");
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
            Directory.Delete(foreign, recursive: true);
        }
    }

    /// <summary>TLS handshakes the silo has refused so far, as its log reports them.</summary>
    private static int Refusals(string siloOutput) =>
        siloOutput.Split('\n').Count(l => l.Contains("System.Security.Authentication.AuthenticationException", StringComparison.Ordinal));
}
