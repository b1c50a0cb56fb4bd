using System.Diagnostics;

namespace LatticeLock.AppHost;

/// <summary>
/// What the terminal shows of a local cluster, one <c>name: value</c> line each so a script can read it: each silo's API
/// and Orleans Dashboard URLs as it becomes ready, then (once every silo is ready) an admin API key made with the
/// <c>lattice</c> CLI, then <c>ready</c>. Everything else (logs, traces, metrics) is in the Aspire dashboard.
/// </summary>
internal sealed class LocalClusterReport(int silos, IResourceWithConnectionString postgres, string lattice)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _ready = [];
    private bool _announced;

    /// <summary>Whether <c>ready</c> has been printed (start-up progress stops then).</summary>
    public bool Announced { get { lock (_gate) return _announced; } }

    public async Task SiloReadyAsync(string name, string url, CancellationToken cancellationToken)
    {
        bool all;
        lock (_gate)
        {
            if (!_ready.Add(name)) return;
            Console.WriteLine($"api {name}: {url}");
            Console.WriteLine($"orleans dashboard {name}: {url}/orleans-dashboard/");
            all = _ready.Count == silos && !_announced;
            if (all) _announced = true;
        }
        if (!all) return;
        Console.WriteLine($"admin key: {await CreateAdminKeyAsync(cancellationToken)}");
        Console.WriteLine("ready");
    }

    private async Task<string> CreateAdminKeyAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", [lattice, "keys", "create", "--admin"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__postgres"] = await postgres.GetConnectionStringAsync(cancellationToken);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var key = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("ll_", StringComparison.Ordinal));
        return key ?? $"(not created: {errors.Trim()})";
    }
}
