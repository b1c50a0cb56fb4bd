using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LatticeLock.Benchmarks;

/// <summary>
/// The single-request HTTP load from <c>wrk</c> (Debian's package), a separate process, so the load generator is not
/// the bottleneck and shares no runtime with what it measures. A Lua script posts model requests with ids unique per
/// thread and request, spread over the sessions, and prints how many were answered 201.
/// </summary>
public static partial class WrkLoad
{
    public sealed record Result(long Acknowledged, long Refused, double RowsPerSecond, double P50Ms, double P99Ms);

    /// <summary>The wrk executable, or null when it is not installed (then the in-process generator is used and says so).</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "wrk")).FirstOrDefault(File.Exists);

    public static async Task<Result> RunAsync(string wrk, Uri baseAddress, string key, IReadOnlyList<Guid> sessions, int connections, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), $"ll-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Script(key, sessions, Guid.NewGuid().ToString("N")[..8]));
        try
        {
            var start = new ProcessStartInfo(wrk, ["-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d",
                $"{(int)Math.Ceiling(duration.TotalSeconds)}s", "--latency", "-s", script, new Uri(baseAddress, "/v1/model-requests").ToString()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"wrk exited {process.ExitCode}: {output}");
            var created = Number(CreatedLine(), output);
            var refused = Number(RefusedLine(), output);
            var rate = Number(RateLine(), output) * (created + refused == 0 ? 0 : created / (created + refused));
            return new Result((long)created, (long)refused, rate, Milliseconds(P50Line(), output), Milliseconds(P99Line(), output));
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// Each wrk thread numbers its requests; the id is a version-4-shaped UUID of (thread, counter), never repeated in a
    /// run. Only 201 counts as acknowledged; anything else is counted as refused and shown.
    /// </summary>
    private static string Script(string key, IReadOnlyList<Guid> sessions, string run) => $$"""
        local sessions = { {{string.Join(", ", sessions.Select(s => $"\"{s}\""))}} }
        local run = "{{run}}"
        local threads = {}
        local counter = 0
        thread_id = 0
        created, refused = 0, 0
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer {{key}}"
        function setup(thread)
          thread:set("thread_id", #threads + 1)
          table.insert(threads, thread)
        end
        function request()
          counter = counter + 1
          local id = string.format("%s-%04x-4000-8000-%012x", run, thread_id, counter)
          local session = sessions[(counter % #sessions) + 1]
          local body = string.format('{"id":"%s","session_id":"%s","model_id":"gpt-4o","provider":"openai","task_type":"code","requested_at":"%s","latency_ms":180,"input_tokens":%d,"output_tokens":%d,"input_cost_usd":0.00125,"output_cost_usd":0.001,"status":"success"}',
            id, session, os.date("!%Y-%m-%dT%H:%M:%SZ"), 500 + counter % 1000, 100 + counter % 300)
          return wrk.format(nil, nil, nil, body)
        end
        function response(status, headers, body)
          if status == 201 then created = created + 1 else refused = refused + 1 end
        end
        function done(summary, latency, requests)
          local c, r = 0, 0
          for _, t in ipairs(threads) do
            c = c + t:get("created")
            r = r + t:get("refused")
          end
          io.write(string.format("ll-created: %d\nll-refused: %d\n", c, r))
        end
        """;

    private static double Number(Regex line, string output) =>
        line.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"wrk printed no '{line}': {output}");

    private static double Milliseconds(Regex line, string output)
    {
        var m = line.Match(output);
        if (!m.Success) throw new InvalidOperationException($"wrk printed no '{line}': {output}");
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "ms" => value, "s" => value * 1000, _ => value / 1_000_000 };
    }

    [GeneratedRegex(@"ll-created: (\d+)")] private static partial Regex CreatedLine();
    [GeneratedRegex(@"ll-refused: (\d+)")] private static partial Regex RefusedLine();
    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")] private static partial Regex RateLine();
    [GeneratedRegex(@"\s50%\s+([\d.]+)(us|ms|s)")] private static partial Regex P50Line();
    [GeneratedRegex(@"\s99%\s+([\d.]+)(us|ms|s)")] private static partial Regex P99Line();
}
