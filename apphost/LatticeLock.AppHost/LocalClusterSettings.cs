using Microsoft.Extensions.Configuration;

/// <summary>
/// The AppHost's settings (command line <c>--Silos 3</c>, env <c>Silos=3</c> / <c>Servers=containers</c>), checked at
/// start so a typo fails in one line naming the setting.
/// </summary>
internal sealed record LocalClusterSettings(int Silos, ServerMode Servers)
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
        return new LocalClusterSettings(silos, servers);
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
