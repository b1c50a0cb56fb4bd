using Microsoft.Extensions.Configuration;

namespace LatticeLock.AppHost;

/// <summary>
/// The AppHost's settings (command line <c>--Silos 3</c>, env <c>Silos=3</c> / <c>Servers=containers</c> /
/// <c>ClusterId</c> / <c>Certificates</c> / <c>Sinks=timestream,bigtable</c> / <c>Replicas=true</c>), checked at
/// start so a typo fails in one line naming the setting.
/// </summary>
/// <param name="ClusterId">The Orleans cluster id (default <c>local-</c> and 6 random hex digits, so runs never meet).</param>
/// <param name="Certificates">Folder for the development CA and certificates (default a new temporary folder, removed at exit).</param>
/// <param name="Sinks">Cloud metric sinks whose emulators to start next to PostgreSQL's (<c>timestream</c>, <c>bigtable</c>).</param>
/// <param name="Replicas">PostgreSQL as a primary, a synchronous standby and a read replica (<c>Replicas=true</c>; processes only).</param>
internal sealed record LocalClusterSettings(int Silos, ServerMode Servers, string ClusterId, string? Certificates, IReadOnlyList<string> Sinks, bool Replicas)
{
    public static LocalClusterSettings Read(IConfiguration configuration)
    {
        var silos = 2;
        if (configuration["Silos"] is { Length: > 0 } s && (!int.TryParse(s, out silos) || silos is < 1 or > 9))
            throw new InvalidOperationException($"Silos must be a number from 1 to 9 (got '{s}')");
        var servers = configuration["Servers"] switch
        {
            null or "" or "processes" => ServerMode.Processes,
            "containers" => ServerMode.Containers,
            "existing" => ServerMode.Existing,
            var other => throw new InvalidOperationException($"Servers must be processes, containers or existing (got '{other}')"),
        };
        var clusterId = configuration["ClusterId"] is { Length: > 0 } id ? id : "local-" + Guid.NewGuid().ToString("N")[..6];
        var certificates = configuration["Certificates"] is { Length: > 0 } folder ? Path.GetFullPath(folder) : null;
        var sinks = (configuration["Sinks"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(sink => sink != ResourceNames.PostgresSink).Distinct().ToList();
        if (sinks.FirstOrDefault(sink => sink is not ("timestream" or "bigtable")) is { } unknown)
            throw new InvalidOperationException($"Sinks takes timestream and/or bigtable, comma-separated (got '{unknown}')");
        var replicas = configuration["Replicas"] switch
        {
            null or "" or "false" or "0" => false,
            "true" or "1" => true,
            var other => throw new InvalidOperationException($"Replicas must be true or false (got '{other}')"),
        };
        if (replicas && servers != ServerMode.Processes)
            throw new InvalidOperationException("Replicas=true starts the servers as processes: it cannot be combined with Servers=containers or existing (an existing server lists its standbys in ConnectionStrings__postgres)");
        return new LocalClusterSettings(silos, servers, clusterId, certificates, sinks, replicas);
    }
}

/// <summary>Where PostgreSQL and Redis come from.</summary>
internal enum ServerMode
{
    /// <summary>Started as processes from the installed binaries (no container engine needed; this machine and CI).</summary>
    Processes,
    /// <summary>The standard PostgreSQL and Redis container resources (needs Docker or Podman).</summary>
    Containers,
    /// <summary>Servers that already run (managed PostgreSQL and Redis), given as ConnectionStrings__postgres / __redis.</summary>
    Existing,
}
