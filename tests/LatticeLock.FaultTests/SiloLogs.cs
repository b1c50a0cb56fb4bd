using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>Keeps the silos' own logs for a post-mortem when a run saw surprises, and says where they are.</summary>
internal static class SiloLogs
{
    /// <summary><c>LL_KEEP_SILO_LOGS=1</c> keeps them after every run, e.g. to read the membership timeline of a crash.</summary>
    public static bool KeepAlways => Environment.GetEnvironmentVariable("LL_KEEP_SILO_LOGS") == "1";

    public static async Task KeepAsync(FaultCluster cluster, ITestOutputHelper output)
    {
        foreach (var (silo, index) in cluster.Silos.Select((s, i) => (s, i)))
        {
            var path = Path.Combine(Path.GetTempPath(), $"{cluster.ClusterId}-silo-{index + 1}.log");
            await File.WriteAllTextAsync(path, silo.Output);
            output.WriteLine($"silo {index + 1} log: {path}");
        }
    }
}
