using LatticeLock.Testing;

namespace LatticeLock.Benchmarks;

/// <summary>
/// What synchronous replication costs on ingest: the grain path (RecordModelRequest, group commit) against one
/// PostgreSQL server and against a primary with a synchronous standby and a read replica
/// (infrastructure/local/postgres-replicated.sh), in the same run with the same rows and callers.
/// </summary>
public static class ReplicationBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = IngestSettings.Parse([.. args, "--no-activation", "--no-memory", "--no-http", "--no-analytics"]);
        var results = new List<(string Setup, double RowsPerSecond, double P50, double P99)>();
        foreach (var (setup, script) in new[] { ("one server", "postgres"), ("primary + synchronous standby + replica", "postgres-replicated") })
        {
            Console.WriteLine($"{setup}: starting infrastructure/local/{script}.sh");
            await using var server = await LocalServer.StartAsync(script);
            var database = await IngestBenchmark.CreateDatabaseAsync(server.ConnectionString, script.Replace('-', '_'));
            Console.WriteLine($"{setup}: grain path, {settings.Requests:N0} requests, {settings.Callers} callers");
            await IngestBenchmark.RunGrainPathAsync(database, settings, withSinks: false);
            results.Add((setup, IngestBenchmark.Report.GrainRowsPerSecond, IngestBenchmark.Report.P50Ms, IngestBenchmark.Report.P99Ms));
        }
        Console.WriteLine();
        Console.WriteLine("| setup | rows/s | of one server | ack P50 ms | ack P99 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            Console.WriteLine($"| {r.Setup} | {r.RowsPerSecond:N0} | {r.RowsPerSecond / results[0].RowsPerSecond:0.00} | {r.P50:0.00} | {r.P99:0.00} |");
        return 0;
    }
}
