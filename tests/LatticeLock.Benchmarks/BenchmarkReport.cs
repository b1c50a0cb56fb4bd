using System.Globalization;

namespace LatticeLock.Benchmarks;

/// <summary>The measures of one run, printed one line each so scripts can grep them.</summary>
public sealed class BenchmarkReport
{
    public double GrainRowsPerSecond { get; set; }
    public double CopyRowsPerSecond { get; set; }
    public double LogRowsPerSecond { get; set; }
    public double NaiveRowsPerSecond { get; set; }
    public double P50Ms { get; set; }
    public double P99Ms { get; set; }

    public void Print()
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "grain path (RecordModelRequest, group commit): {0,12:N0} rows/s", GrainRowsPerSecond));
        Console.WriteLine(string.Format(c, "model-request log alone (no grain hop):        {0,12:N0} rows/s", LogRowsPerSecond));
        Console.WriteLine(string.Format(c, "raw Npgsql binary COPY (baseline):             {0,12:N0} rows/s", CopyRowsPerSecond));
        Console.WriteLine(string.Format(c, "naive one INSERT per row, 64 connections:      {0,12:N0} rows/s", NaiveRowsPerSecond));
        Console.WriteLine(string.Format(c, "ratio grain-path/COPY: {0:F2}", GrainRowsPerSecond / CopyRowsPerSecond));
        Console.WriteLine(string.Format(c, "ack latency P50: {0:F2} ms", P50Ms));
        Console.WriteLine(string.Format(c, "ack latency P99: {0:F2} ms", P99Ms));
    }
}
