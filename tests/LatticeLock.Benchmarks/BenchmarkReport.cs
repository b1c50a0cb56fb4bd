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
    public double GrainWithSinksRowsPerSecond { get; set; }
    public double P50WithSinksMs { get; set; }
    public double P99WithSinksMs { get; set; }
    public double SinkDrainSeconds { get; set; }
    public int AnalyticsRows { get; set; }
    public double AggregationRowsPerSecond { get; set; }
    public double AggregateQueryMs { get; set; }
    public double RawGroupByMs { get; set; }
    public int AggregateRowsRead { get; set; }

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
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "grain path with PostgreSQL sink + aggregates:  {0,12:N0} rows/s (without: {1:N0}; ratio {2:F2})",
            GrainWithSinksRowsPerSecond, GrainRowsPerSecond, GrainWithSinksRowsPerSecond / GrainRowsPerSecond));
        Console.WriteLine(string.Format(c, "ack latency with sinks P50: {0:F2} ms, P99: {1:F2} ms", P50WithSinksMs, P99WithSinksMs));
        Console.WriteLine(string.Format(c, "sinks caught up {0:F1} s after the last acknowledgement", SinkDrainSeconds));
        if (AnalyticsRows == 0) return;
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "analytics over {0:N0} requests (30 days):", AnalyticsRows));
        Console.WriteLine(string.Format(c, "  aggregation (cursor + cost_aggregations upsert): {0,12:N0} rows/s", AggregationRowsPerSecond));
        Console.WriteLine(string.Format(c, "  costs by model from cost_aggregations:  median {0,9:F2} ms ({1:N0} aggregate rows)", AggregateQueryMs, AggregateRowsRead));
        Console.WriteLine(string.Format(c, "  same GROUP BY on raw model_requests:     median {0,9:F2} ms", RawGroupByMs));
        Console.WriteLine(string.Format(c, "  speed-up: {0:F0}x", RawGroupByMs / AggregateQueryMs));
    }
}
