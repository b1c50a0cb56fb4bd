using System.Diagnostics;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.ModelRequests;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// Memory: the managed heap per active session grain (N sessions inserted as rows, then all activated by a read, heap
/// measured after full collections before and after), and the model-request log's bound in bytes (its queue and
/// in-flight batches are bounded in rows; a queued row's size is measured on the benchmark's own rows).
/// </summary>
public static class MemoryBenchmark
{
    public static async Task RunAsync(IGrainFactory grains, string database, Guid userId, int sessions, IReadOnlyList<ModelRequestRow> sample,
        LatticeLock.Storage.Commits.GroupCommitOptions log, BenchmarkReport report)
    {
        var ids = Enumerable.Range(0, sessions).Select(_ => Guid.NewGuid()).ToArray();
        await using (var dataSource = NpgsqlDataSource.Create(database))
        await using (var connection = await dataSource.OpenConnectionAsync())
        // Each in the user's personal workspace (whose id is the user's).
        await using (var importer = await connection.BeginBinaryImportAsync("COPY sessions (id, user_id, workspace_id, metadata) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var id in ids)
            {
                importer.StartRow();
                importer.Write(id, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(userId, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(userId, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write("""{"agent": "bench"}""", NpgsqlTypes.NpgsqlDbType.Jsonb);
            }
            await importer.CompleteAsync();
        }
        var before = Heap();
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < ids.Length)
            {
                var summary = await grains.GetGrain<ISessionGrain>(ids[i]).GetSummary();
                if (summary.UserId != userId) throw new InvalidOperationException("wrong session read back");
                if (i > 0 && i % 25_000 == 0) Console.WriteLine($"  memory: {i:N0}/{ids.Length:N0} sessions activated");
            }
        })));
        var after = Heap();
        report.ActivatedSessions = sessions;
        report.BytesPerSessionGrain = (after - before) / (double)sessions;
        report.ActivationsPerSecond = sessions / watch.Elapsed.TotalSeconds;

        // A queued row: the row, its record and strings, the waiter's completion source and the queue entry.
        var rowsBefore = Heap();
        var held = sample.Take(50_000).Select(r => new object[] { r with { Request = r.Request with { Id = Guid.NewGuid(), TraceId = new string(r.Request.TraceId) } }, new TaskCompletionSource<bool>() }).ToList();
        var rowsAfter = Heap();
        GC.KeepAlive(held);
        report.BytesPerQueuedRow = (rowsAfter - rowsBefore) / (double)held.Count;
        report.LogBoundRows = log.QueueCapacity + log.ConcurrentBatches * log.MaxBatchSize;
        Console.WriteLine($"  memory: {report.BytesPerSessionGrain:N0} bytes of managed heap per active session grain ({sessions:N0} activated at {report.ActivationsPerSecond:N0}/s); " +
            $"log bound {report.LogBoundRows:N0} rows × {report.BytesPerQueuedRow:N0} bytes = {report.LogBoundRows * report.BytesPerQueuedRow / 1024 / 1024:N0} MiB");
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
