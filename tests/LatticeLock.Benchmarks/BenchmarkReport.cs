using System.Globalization;

namespace LatticeLock.Benchmarks;

/// <summary>The measures of one run, printed one line each so scripts can grep them.</summary>
public sealed class BenchmarkReport
{
    public double GrainRowsPerSecond { get; set; }
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
    public double LimitRowsPerSecond { get; set; }
    public double FkRowsPerSecond { get; set; }
    public double V8RowsPerSecond { get; set; }
    public double LeanRowsPerSecond { get; set; }
    public double LeanWithIdsRowsPerSecond { get; set; }
    public double HttpSingleRowsPerSecond { get; set; }
    public double HttpSingleP50Ms { get; set; }
    public double HttpSingleP99Ms { get; set; }
    public double HttpBatchRowsPerSecond { get; set; }
    public double HttpBatchP50Ms { get; set; }
    public double HttpBatchP99Ms { get; set; }
    public int HttpBatchSize { get; set; }
    public int HttpConnections { get; set; }
    public int HttpBatchConnections { get; set; }
    public string HttpLoadGenerator { get; set; } = "";
    public List<(int Rows, double FirstMs, double CheckpointedMs)> Activations { get; } = [];
    public int ActivatedSessions { get; set; }
    public double BytesPerSessionGrain { get; set; }
    public double ActivationsPerSecond { get; set; }
    public double BytesPerQueuedRow { get; set; }
    public int LogBoundRows { get; set; }

    public void Print()
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine("| path | rows/s | of the limit |");
        Console.WriteLine("| --- | ---: | ---: |");
        void Row(string name, double value) => Console.WriteLine(string.Format(c, "| {0} | {1:N0} | {2:F2} |", name, value, value / LimitRowsPerSecond));
        Row("COPY, table with a primary key only (physical limit)", LimitRowsPerSecond);
        Row("COPY, primary key + 3 foreign keys", FkRowsPerSecond);
        Row("COPY, version 8 layout (13 indexes, 3 foreign keys)", V8RowsPerSecond);
        Row("COPY, lean partitioned log, no id table", LeanRowsPerSecond);
        Row("COPY, lean partitioned log + model_request_ids", LeanWithIdsRowsPerSecond);
        Row("model-request log alone (no grain hop)", LogRowsPerSecond);
        Row("grain path (RecordModelRequest, group commit)", GrainRowsPerSecond);
        Row("naive one INSERT per row, 64 connections", NaiveRowsPerSecond);
        if (HttpSingleRowsPerSecond > 0)
        {
            Row($"HTTP POST /v1/model-requests, {HttpConnections} connections", HttpSingleRowsPerSecond);
            Row($"HTTP POST /v1/model-requests/batch, {HttpBatchSize} per call, {HttpBatchConnections} connections", HttpBatchRowsPerSecond);
        }
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "grain path ack latency P50: {0:F2} ms, P99: {1:F2} ms", P50Ms, P99Ms));
        if (HttpSingleRowsPerSecond > 0)
        {
            Console.WriteLine(string.Format(c, "HTTP single latency P50: {0:F2} ms, P99: {1:F2} ms; load generator: {2}", HttpSingleP50Ms, HttpSingleP99Ms, HttpLoadGenerator));
            Console.WriteLine(string.Format(c, "HTTP batch latency per call P50: {0:F2} ms, P99: {1:F2} ms", HttpBatchP50Ms, HttpBatchP99Ms));
        }
        Console.WriteLine(string.Format(c, "grain path / naive INSERT: {0:F1}x", GrainRowsPerSecond / NaiveRowsPerSecond));
        if (Activations.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| stored requests in the session | first activation after a bulk load (full re-sum) | activation from the checkpoint (median of 5) |");
            Console.WriteLine("| ---: | ---: | ---: |");
            foreach (var (rows, first, checkpointed) in Activations)
                Console.WriteLine(string.Format(c, "| {0:N0} | {1:F1} ms | {2:F2} ms |", rows, first, checkpointed));
        }
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "grain path with PostgreSQL sink + aggregates:  {0,12:N0} rows/s (without: {1:N0}; ratio {2:F2})",
            GrainWithSinksRowsPerSecond, GrainRowsPerSecond, GrainWithSinksRowsPerSecond / GrainRowsPerSecond));
        Console.WriteLine(string.Format(c, "ack latency with sinks P50: {0:F2} ms, P99: {1:F2} ms", P50WithSinksMs, P99WithSinksMs));
        Console.WriteLine(string.Format(c, "sinks caught up {0:F1} s after the last acknowledgement", SinkDrainSeconds));
        if (ActivatedSessions > 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Format(c, "managed heap per active session grain: {0:N0} bytes ({1:N0} sessions activated, {2:N0} activations/s)",
                BytesPerSessionGrain, ActivatedSessions, ActivationsPerSecond));
            Console.WriteLine(string.Format(c, "model-request log memory bound: {0:N0} rows (queue + batches in flight) × {1:N0} bytes = {2:N1} MiB",
                LogBoundRows, BytesPerQueuedRow, LogBoundRows * BytesPerQueuedRow / 1024 / 1024));
        }
        if (AnalyticsRows > 0) PrintAnalytics(c);
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "limit rows/s: {0:F0}", LimitRowsPerSecond));
        Console.WriteLine(string.Format(c, "ratio grain/limit: {0:F2}", GrainRowsPerSecond / LimitRowsPerSecond));
        Console.WriteLine(string.Format(c, "ratio http-batch/limit: {0:F2}", HttpBatchRowsPerSecond / LimitRowsPerSecond));
        Console.WriteLine(string.Format(c, "http single rows/s: {0:F0}", HttpSingleRowsPerSecond));
        Console.WriteLine(string.Format(c, "ack P99 ms: {0:F2}", P99Ms));
    }

    private void PrintAnalytics(CultureInfo c)
    {
        Console.WriteLine();
        Console.WriteLine(string.Format(c, "analytics over {0:N0} requests (30 days):", AnalyticsRows));
        Console.WriteLine(string.Format(c, "  aggregation (cursor + cost_aggregations upsert): {0,12:N0} rows/s", AggregationRowsPerSecond));
        Console.WriteLine(string.Format(c, "  costs by model from cost_aggregations:  median {0,9:F2} ms ({1:N0} aggregate rows)", AggregateQueryMs, AggregateRowsRead));
        Console.WriteLine(string.Format(c, "  same GROUP BY on raw model_requests:     median {0,9:F2} ms", RawGroupByMs));
        Console.WriteLine(string.Format(c, "  speed-up: {0:F0}x", RawGroupByMs / AggregateQueryMs));
    }
}
