using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LatticeLock.Testing;

/// <summary>The real silo executable started as a process, configured only through environment variables, as ./run.sh starts it.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }
    public int ExitCode => _process.ExitCode;

    /// <summary>The silo process's peak resident memory so far (VmHWM from /proc), in bytes.</summary>
    public long PeakResidentBytes =>
        File.ReadLines($"/proc/{_process.Id}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024).Single();
    public string Output { get { lock (_output) return _output.ToString(); } }

    public static SiloProcess Start(Dictionary<string, string?> environment, string? clusterId = null)
    {
        var dll = BuiltProgram.PathOf("LatticeLock.Silo", "LatticeLock.Silo.dll");
        var ports = LoopbackPorts.Distinct(3); // HTTP, silo, gateway
        var url = $"http://127.0.0.1:{ports[0]}";
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("ConnectionStrings__postgres");
        start.Environment.Remove("ConnectionStrings__redis");
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["LatticeLock__Silo__SiloPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LatticeLock__Silo__GatewayPort"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LatticeLock__Silo__ClusterId"] = clusterId ?? "host-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        return new SiloProcess(Process.Start(start)!, new Uri(url));
    }

    public async Task<string> WaitForAsync(HttpClient http, string path, HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"silo exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync(path);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == expected) return await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{path} never answered {(int)expected}; last: {last}\n{Output}");
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>SIGKILL, as a crash: no shutdown, no goodbye to the cluster.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGTERM, as systemd, Kubernetes or Ctrl-C ask a process to stop: the silo shuts down gracefully.</summary>
    public void Terminate() => Signal("-TERM");

    /// <summary>SIGSTOP: the process is frozen, its sockets stay open (as in a long GC pause or a stalled VM).</summary>
    public void Freeze() => Signal("-STOP");

    /// <summary>SIGCONT: a frozen process runs on.</summary>
    public void Thaw() => Signal("-CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

}
