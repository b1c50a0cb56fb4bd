using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>Reads a table on the emulator with Google's own <c>cbt</c> tool and parses what it prints.</summary>
public static partial class CbtTool
{
    public sealed record Cell(string Column, string Timestamp, string Value);

    public sealed record Row(string Key, IReadOnlyList<Cell> Cells)
    {
        public Cell this[string column] => Cells.Single(c => c.Column == column);
    }

    /// <summary>
    /// <c>cbt -project P -instance I read TABLE</c> against the emulator at <paramref name="emulator"/> (http://host:port).
    /// Its output is a dashed line per row, the key, then per cell <c>  family:qualifier  @ yyyy/MM/dd-HH:mm:ss.ffffff</c>
    /// and the quoted value on the next line. Timestamps are printed in UTC (TZ=UTC).
    /// </summary>
    public static async Task<List<Row>> ReadAsync(Uri emulator, string project, string instance, string table)
    {
        var start = new ProcessStartInfo("cbt", ["-project", project, "-instance", instance, "read", table])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["BIGTABLE_EMULATOR_HOST"] = $"{emulator.Host}:{emulator.Port}";
        start.Environment["TZ"] = "UTC";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"cbt read failed ({process.ExitCode}): {await stderr}");
        return Parse(await stdout);
    }

    public static List<Row> Parse(string output)
    {
        var rows = new List<Row>();
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].StartsWith("----", StringComparison.Ordinal)) continue;
            var key = lines[++i];
            var cells = new List<Cell>();
            while (i + 2 < lines.Count && CellLine().Match(lines[i + 1]) is { Success: true } cell)
            {
                var value = lines[i + 2].Trim();
                cells.Add(new Cell(cell.Groups[1].Value, cell.Groups[2].Value, value.StartsWith('"') ? Regex.Unescape(value[1..^1]) : value));
                i += 2;
            }
            rows.Add(new Row(key, cells));
        }
        return rows;
    }

    [GeneratedRegex(@"^  (\S+)\s+@ (\S+)$")]
    private static partial Regex CellLine();
}
