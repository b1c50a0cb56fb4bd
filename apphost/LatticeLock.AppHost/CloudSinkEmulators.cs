using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace LatticeLock.AppHost;

/// <summary>
/// The cloud metric sinks' emulators as executable resources, when the <c>Sinks</c> setting names them
/// (<c>./run.sh --sinks timestream,bigtable</c>): <c>moto_server</c> for AWS Timestream and <c>cbtemulator</c> for Google
/// Bigtable, each on a free loopback port with a health check, and the silo settings that make every silo dual-write
/// its metrics to them next to PostgreSQL.
/// </summary>
internal static class CloudSinkEmulators
{
    public sealed record Emulator(IResourceBuilder<IResource> Resource, IReadOnlyDictionary<string, string> SiloSettings);

    public static IReadOnlyList<Emulator> Add(IDistributedApplicationBuilder builder, IReadOnlyList<string> sinks, string root)
    {
        var emulators = new List<Emulator>();
        if (sinks.Contains("timestream"))
        {
            var port = LoopbackPorts.Next();
            var binary = Environment.GetEnvironmentVariable("LL_MOTO_SERVER") is { Length: > 0 } set ? set : Which("moto_server")
                ?? new[] { "/root/.pyenv/shims/moto_server", Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".pyenv/shims/moto_server") }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("Sinks=timestream needs moto_server (Python package moto[server] 5.x) on PATH, or LL_MOTO_SERVER set to it");
            var resource = builder.AddExecutable(ResourceNames.TimestreamEmulator, binary, root, "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture))
                .WithHealthCheck(AcceptsConnections(builder, $"{ResourceNames.TimestreamEmulator}-accepts-connections", port));
            emulators.Add(new Emulator(resource, new Dictionary<string, string>
            {
                ["ConnectionStrings__timestream"] = $"http://127.0.0.1:{port}",
                ["Metrics__Timestream__Region"] = "us-east-1",
                ["Metrics__Timestream__Database"] = ResourceNames.Database,
                ["Metrics__Timestream__Table"] = "model_requests",
                ["Metrics__Timestream__CreateTableIfMissing"] = "true",
                ["Metrics__Timestream__AccessKeyId"] = "local",
                ["Metrics__Timestream__SecretAccessKey"] = "local",
            }));
        }
        if (sinks.Contains("bigtable"))
        {
            var port = LoopbackPorts.Next();
            var binary = Environment.GetEnvironmentVariable("LL_CBTEMULATOR") is { Length: > 0 } set ? set : "/usr/lib/google-cloud-sdk/platform/bigtable-emulator/cbtemulator";
            if (!File.Exists(binary))
                throw new InvalidOperationException($"Sinks=bigtable needs the Bigtable emulator at {binary} (package google-cloud-cli-bigtable-emulator), or LL_CBTEMULATOR set to it");
            var resource = builder.AddExecutable(ResourceNames.BigtableEmulator, binary, root, "-host", "127.0.0.1", "-port", port.ToString(CultureInfo.InvariantCulture))
                .WithHealthCheck(AcceptsConnections(builder, $"{ResourceNames.BigtableEmulator}-accepts-connections", port));
            emulators.Add(new Emulator(resource, new Dictionary<string, string>
            {
                ["ConnectionStrings__bigtable"] = $"http://127.0.0.1:{port}",
                ["Metrics__Bigtable__ProjectId"] = "local",
                ["Metrics__Bigtable__InstanceId"] = ResourceNames.Database,
                ["Metrics__Bigtable__TableId"] = "model_requests",
                ["Metrics__Bigtable__CreateTableIfMissing"] = "true",
            }));
        }
        return emulators;
    }

    private static string AcceptsConnections(IDistributedApplicationBuilder builder, string name, int port)
    {
        builder.Services.AddHealthChecks().AddTcpAcceptsConnections(name, port);
        return name;
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

}
