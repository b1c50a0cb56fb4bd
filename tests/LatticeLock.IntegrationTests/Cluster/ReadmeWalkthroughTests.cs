using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The README's first-request walkthrough, run as it stands (its two fenced blocks, extracted from README.md): the
/// first starts ./run.sh's cluster, the second is pasted twice into the same shell. Every curl's status is noted by a
/// wrapper the test puts in front of the blocks, and every answer is checked: the ids of both pastes are real and
/// distinct, the session's cost is the price table's, the trace and the analytics show the request and the span.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed partial class ReadmeWalkthroughTests(ITestOutputHelper output)
{
    /// <summary>Each paste's calls, in order, with the status each must answer (the price: 201 when new, 200 when replaced).</summary>
    private static readonly (string Call, int[] Statuses)[] Expected =
    [
        ("PUT /v1/model-prices", [201, 200]),
        ("POST /v1/users", [201]),
        ("POST /v1/users/{id}/api-keys", [201]),
        ("POST /v1/sessions", [201]),
        ("POST /v1/sessions/{id}/chats", [201]),
        ("POST /v1/chats/{id}/turns", [201]),
        ("POST /v1/model-requests", [201]),
        ("POST /otlp/v1/traces", [200]),
        ("GET /v1/traces/{id}", [200]),
        ("GET /v1/sessions/{id}", [200]),
        ("GET /v1/analytics/costs", [200]),
    ];

    [Fact]
    public async Task The_readme_walkthrough_runs_as_written_and_pasted_twice_on_one_cluster()
    {
        var root = LocalServer.RepositoryRoot();
        var (start, requests) = Walkthrough(await File.ReadAllTextAsync(Path.Combine(root, "README.md")));
        var work = Directory.CreateTempSubdirectory("latticelock-walkthrough-").FullName;
        var statuses = Path.Combine(work, "statuses");
        var script = Path.Combine(work, "walkthrough.sh");
        await File.WriteAllTextAsync(script, Script(root, statuses, start, requests));

        var run = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        run.Environment.Remove("ConnectionStrings__postgres");
        run.Environment.Remove("ConnectionStrings__redis");
        using var shell = Process.Start(run)!;
        var stdout = new StringBuilder();
        shell.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        shell.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        shell.BeginOutputReadLine();
        shell.BeginErrorReadLine();
        using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        {
            try
            {
                await shell.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                shell.Kill(entireProcessTree: true);
            }
        }
        var text = stdout.ToString();
        output.WriteLine(text);
        Assert.True(shell.HasExited && shell.ExitCode == 0, $"the walkthrough did not finish (exit {(shell.HasExited ? shell.ExitCode : -1)})");

        // Every call of both pastes answered as documented, in order.
        var calls = (await File.ReadAllLinesAsync(statuses)).Select(Call).ToList();
        Assert.Equal(Expected.Length * 2, calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var (call, allowed) = Expected[i % Expected.Length];
            Assert.Equal(call, calls[i].Call);
            Assert.True(i < Expected.Length ? calls[i].Status == allowed[0] : allowed.Contains(calls[i].Status),
                $"{calls[i].Call} answered {calls[i].Status} in paste {i / Expected.Length + 1}");
        }

        // Each paste's ids are real and its own; its session holds the model request and the span, priced from the
        // table: (800 × 2.5 + 400 × 1.25 + 300 × 10) / 10⁶ + (800 × 2.5 + 200 × 10) / 10⁶ = 0.0095 USD.
        var pastes = PasteLine().Matches(text).Select(m => m.Groups[1].Value.Split(' ')).ToList();
        Assert.Equal(2, pastes.Count);
        foreach (var ids in pastes) Assert.DoesNotContain(ids, id => id is "" or "null");
        Assert.Empty(pastes[0].Intersect(pastes[1]));
        foreach (var json in SessionLine().Matches(text).Select(m => JsonNode.Parse(m.Groups[1].Value)!))
        {
            Assert.Equal(2, json["request_count"]!.GetValue<int>());
            Assert.Equal(0.0095m, json["total_cost_usd"]!.GetValue<decimal>());
        }
        foreach (var json in TraceLine().Matches(text).Select(m => JsonNode.Parse(m.Groups[1].Value)!))
        {
            Assert.Equal(1, json["span_count"]!.GetValue<int>());
            Assert.Equal(1, json["model_requests"]!.GetValue<int>());
            Assert.Equal(0.004m, json["cost_usd"]!.GetValue<decimal>());
        }
        var analytics = AnalyticsLine().Matches(text).Select(m => JsonNode.Parse(m.Groups[1].Value)!["rows"]!.AsArray().Single()!).ToList();
        Assert.Equal(2, analytics.Count);
        foreach (var row in analytics)
            Assert.Equal(("gpt-4o", 2, 0.0095m), (row["key"]!.GetValue<string>(), row["requests"]!.GetValue<int>(), row["cost_usd"]!.GetValue<decimal>()));
        // lattice sessions show printed each paste's session as a table, with both requests.
        foreach (var ids in pastes) Assert.Contains($"Session {ids[2]}", text, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Matches(text, @"request_count\s+│ 2\s").Count);
    }

    /// <summary>The two bash blocks of the README's "First requests" section: starting the cluster, the requests.</summary>
    public static (string Start, string Requests) Walkthrough(string readme)
    {
        var from = readme.IndexOf("## First requests", StringComparison.Ordinal);
        Assert.True(from >= 0, "README.md has no '## First requests' section");
        var to = readme.IndexOf("\n## ", from + 3, StringComparison.Ordinal);
        var blocks = BashBlock().Matches(readme[from..(to < 0 ? readme.Length : to)]).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, blocks.Count);
        return (blocks[0], blocks[1]);
    }

    /// <summary>
    /// The blocks as written, with the test's instruments around them: a curl wrapper that notes each status (the
    /// answer still goes to the terminal), each paste's ids, its session read back, and its analytics once the
    /// aggregates hold both of its requests (they trail recording by about a second).
    /// </summary>
    private static string Script(string root, string statuses, string start, string requests)
    {
        var after = """

            echo
            echo "paste ids: $USER_ID $KEY $SESSION $CHAT $TRACE"
            echo "paste trace: $(command curl -s $API/v1/traces/$TRACE -H "Authorization: Bearer $KEY" | jq -c '{span_count, model_requests, cost_usd}')"
            echo "paste session: $(command curl -s $API/v1/sessions/$SESSION -H "Authorization: Bearer $KEY")"
            for _ in $(seq 60); do
              costs=$(command curl -s "$API/v1/analytics/costs?group_by=model" -H "Authorization: Bearer $KEY")
              echo "$costs" | grep -q '"requests":2' && break; sleep 1
            done
            echo "paste analytics: $costs"

            """;
        return $$"""
            cd '{{root}}'
            curl() {
              local out code method=GET url= arg prev=
              for arg in "$@"; do
                case "$prev" in -X) method=$arg ;; esac
                case "$arg" in http://*|https://*) url=$arg ;; -d|--data-binary) [ "$method" = GET ] && method=POST ;; esac
                prev=$arg
              done
              out=$(command curl "$@" -w '\n%{http_code}') # after the block's own -w, so this one wins
              code=${out##*$'\n'}
              printf '%s\n' "${out%$'\n'*}"
              echo "$code $method ${url%%\?*}" >> '{{statuses}}'
            }
            {{start}}
            [ -n "$API" ] || { echo "the cluster did not start"; exit 1; }
            {{requests}}
            {{after}}
            {{requests}}
            {{after}}
            kill %1
            wait
            """;
    }

    private static (string Call, int Status) Call(string line)
    {
        var parts = line.Split(' ', 3);
        var path = new Uri(parts[2]).AbsolutePath;
        return ($"{parts[1]} {IdSegment().Replace(path, "/{id}")}", int.Parse(parts[0], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex("/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})(?=/|$)")]
    private static partial Regex IdSegment();

    [GeneratedRegex("^paste ids: (.*)$", RegexOptions.Multiline)]
    private static partial Regex PasteLine();

    [GeneratedRegex("^paste session: (.*)$", RegexOptions.Multiline)]
    private static partial Regex SessionLine();

    [GeneratedRegex("^paste trace: (.*)$", RegexOptions.Multiline)]
    private static partial Regex TraceLine();

    [GeneratedRegex("^paste analytics: (.*)$", RegexOptions.Multiline)]
    private static partial Regex AnalyticsLine();
}
