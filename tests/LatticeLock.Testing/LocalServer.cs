using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LatticeLock.Testing;

/// <summary>
/// A throwaway server started through <c>infrastructure/local/&lt;name&gt;.sh</c> (PostgreSQL, Redis), with its own
/// state folder so parallel users never share it. <see cref="ConnectionString"/> is what the script exported.
/// </summary>
public sealed partial class LocalServer : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _stateDir;

    private LocalServer(string script, string stateDir, string connectionString, IReadOnlyDictionary<string, string> exports)
    {
        _script = script;
        _stateDir = stateDir;
        ConnectionString = connectionString;
        Exports = exports;
    }

    public string ConnectionString { get; }

    /// <summary>Every <c>export NAME='value'</c> line the script printed at start (e.g. <c>LatticeLock__Backup__Directory</c>).</summary>
    public IReadOnlyDictionary<string, string> Exports { get; }

    /// <summary>Starts <paramref name="name"/> (postgres, redis, moto or bigtable) and returns it once it accepts connections.</summary>
    public static async Task<LocalServer> StartAsync(string name)
    {
        var script = Path.Combine(RepositoryRoot(), "infrastructure", "local", name + ".sh");
        var stateDir = Directory.CreateTempSubdirectory("latticelock-state-").FullName;
        var output = await RunAsync(script, "start", stateDir);
        var match = ExportLine().Match(output);
        if (!match.Success) throw new InvalidOperationException($"{script} start printed no connection string:\n{output}");
        var exports = AnyExport().Matches(output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return new LocalServer(script, stateDir, match.Groups[1].Value, exports);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LatticeLock.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (LatticeLock.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Kills the server but keeps its state, so <see cref="RestartAsync"/> brings it back on the same port (an outage).</summary>
    public async Task HaltAsync() => await RunAsync(_script, "halt", _stateDir);

    /// <summary>Runs another verb of the server's script (e.g. postgres-replicated.sh kill-primary, promote) and returns its output.</summary>
    public Task<string> RunVerbAsync(string verb) => RunAsync(_script, verb, _stateDir);

    /// <summary>Freezes every process of the server (SIGSTOP): connections stay open, nothing answers (postgres only).</summary>
    public async Task PauseAsync() => await RunAsync(_script, "pause", _stateDir);

    /// <summary>Lets a paused server run on (SIGCONT).</summary>
    public async Task ResumeAsync() => await RunAsync(_script, "resume", _stateDir);

    /// <summary>Starts a halted server again on the port it had, and returns once it accepts connections.</summary>
    public async Task RestartAsync()
    {
        var output = await RunAsync(_script, "start", _stateDir);
        var match = ExportLine().Match(output);
        if (!match.Success || match.Groups[1].Value != ConnectionString)
            throw new InvalidOperationException($"{_script} start did not come back at {ConnectionString}:\n{output}");
    }

    public async ValueTask DisposeAsync()
    {
        try { await RunAsync(_script, "stop", _stateDir); }
        finally { Directory.Delete(_stateDir, recursive: true); }
    }

    private static async Task<string> RunAsync(string script, string verb, string stateDir)
    {
        var start = new ProcessStartInfo("bash", [script, verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["LL_STATE_DIR"] = stateDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} {verb} failed with exit code {process.ExitCode}:\n{await stderr}\n{await stdout}");
        return await stdout;
    }

    [GeneratedRegex(@"export ConnectionStrings__\w+='([^']*)'")]
    private static partial Regex ExportLine();

    [GeneratedRegex(@"export (\w+)='([^']*)'")]
    private static partial Regex AnyExport();
}
