using System.Diagnostics;
using LatticeLock.Testing;

namespace LatticeLock.Testing;

/// <summary>Where a project's own build output is: the tests run the CLI and the silo exactly as built, not copies.</summary>
public static class BuiltProgram
{
    public static string PathOf(string project, string assembly, string folder = "src")
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0
        return Path.Combine(LocalServer.RepositoryRoot(), folder, project, "bin", configuration, "net10.0", assembly);
    }

    /// <summary>Runs the built `lattice` CLI with only the given database setting; returns its exit code and all output.</summary>
    public static Task<(int ExitCode, string Output)> RunCliAsync(string? connectionString, params string[] args) =>
        RunCliAsync(connectionString, new Dictionary<string, string?>(), args);

    /// <summary>Runs the built `lattice` CLI with the database setting and <paramref name="environment"/> (null values unset).</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(string? connectionString, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var cli = PathOf("LatticeLock.Cli", "lattice.dll");
        var start = new ProcessStartInfo("dotnet", [cli, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("ConnectionStrings__postgres");
        if (connectionString is not null) start.Environment["ConnectionStrings__postgres"] = connectionString;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
