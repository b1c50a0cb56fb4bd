using Aspire.Hosting.Orleans;
using System.Globalization;

namespace LatticeLock.AppHost;

/// <summary>
/// The silos, <c>silo-1</c> … <c>silo-N</c>: each a resource of the silo project with its own loopback HTTP port (its
/// API and Orleans Dashboard URL stay its own, which <c>WithReplicas</c> would hide), the Orleans settings, both
/// servers, the run's silo certificate, and the sinks' emulators when there are any. Each starts once the migration
/// has finished and the servers answer, and is reported in the terminal once <c>/health/ready</c> answers.
/// </summary>
internal static class SiloResources
{
    public static void Add(IDistributedApplicationBuilder builder, LocalClusterSettings settings, OrleansService orleans,
        ClusterServers servers, IResourceBuilder<ExecutableResource> migrate, IReadOnlyList<CloudSinkEmulators.Emulator> emulators,
        string certificates, LocalClusterReport report)
    {
        for (var i = 1; i <= settings.Silos; i++)
        {
            var name = ResourceNames.Silo(i);
            var api = $"http://127.0.0.1:{LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture)}";
            var silo = builder.AddProject<Projects.LatticeLock_Silo>(name, launchProfileName: null)
                .WithReference(orleans)
                .WithReference(servers.Postgres)
                .WithReference(servers.Redis)
                .WithHttpEndpoint(port: new Uri(api).Port, isProxied: false, name: "http")
                .WithEnvironment("LatticeLock__Silo__OrleansDashboard", "true")
                .WithEnvironment("LatticeLock__Tls__Certificate", Path.Combine(certificates, "silo.pem"))
                .WithEnvironment("LatticeLock__Tls__Key", Path.Combine(certificates, "silo.key"))
                .WithEnvironment("LatticeLock__Tls__CertificateAuthority", Path.Combine(certificates, "ca.pem"))
                .WithUrl($"{api}/orleans-dashboard/", "Orleans Dashboard")
                .WithHttpHealthCheck("/health/ready")
                .WaitForCompletion(migrate)
                .OnResourceReady((_, _, ct) => report.SiloReadyAsync(name, api, ct));
            foreach (var server in servers.StartFirst) silo.WaitFor(server);
            if (emulators.Count > 0) silo.WithEnvironment("Metrics__Sinks", string.Join(',', [ResourceNames.PostgresSink, .. settings.Sinks]));
            foreach (var emulator in emulators)
            {
                silo.WaitFor(emulator.Resource);
                foreach (var (key, value) in emulator.SiloSettings) silo.WithEnvironment(key, value);
            }
        }
    }
}
