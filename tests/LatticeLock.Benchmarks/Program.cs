using LatticeLock.Benchmarks;

if (args.Length > 0 && args[0] == "spans") return await SpanIngestBenchmark.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "replication") return await ReplicationBenchmark.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "export") return await ExportBenchmark.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "retention") return await RetentionBenchmark.RunAsync(args[1..]);
if (args.Length == 0 || args[0] != "ingest")
{
    Console.Error.WriteLine("usage: LatticeLock.Benchmarks replication [--requests N] [--callers N] [--sessions N]");
    Console.Error.WriteLine("usage: LatticeLock.Benchmarks spans [--batches N] [--batch-size 512] [--connections N]");
    Console.Error.WriteLine("usage: LatticeLock.Benchmarks export [--rows N] [--days D]");
    Console.Error.WriteLine("usage: LatticeLock.Benchmarks retention [--rows N] [--batch N]");
    Console.Error.WriteLine("usage: LatticeLock.Benchmarks ingest [--requests N] [--callers N] [--sessions N] [--naive-seconds S] [--copy-batch N] [--analytics-rows N | --no-analytics] [--http-requests N | --no-http] [--http-connections N] [--http-batch-connections N] [--http-batch-size N] [--activation-max N | --no-activation] [--memory-sessions N | --no-memory]");
    return 2;
}
var settings = IngestSettings.Parse(args[1..]);
return await IngestBenchmark.RunAsync(settings);
