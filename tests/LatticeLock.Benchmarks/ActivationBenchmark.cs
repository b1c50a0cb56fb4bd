using System.Diagnostics;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.ModelRequests;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// Session activation time against history: sessions with 10, 10,000 and 1,000,000 stored requests (written by the
/// log's own writer), deactivated, then read. The first read after a bulk load re-sums everything (no checkpoint
/// covers those rows; it then writes one); later activations read the checkpoint plus the rows after it.
/// </summary>
public static class ActivationBenchmark
{
    public static async Task RunAsync(IGrainFactory grains, string database, Guid userId, int[] sizes, BenchmarkReport report)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var writer = new ModelRequestBatchWriter(dataSource);
        var management = grains.GetGrain<IManagementGrain>(0);
        foreach (var size in sizes)
        {
            var sessionId = Guid.NewGuid();
            var session = grains.GetGrain<ISessionGrain>(sessionId);
            await session.Start(new StartSession(userId, null, null));
            var start = DateTimeOffset.UtcNow;
            for (var offset = 0; offset < size; offset += 5_000)
            {
                var batch = Enumerable.Range(offset, Math.Min(5_000, size - offset)).Select(i => new ModelRequestRow(sessionId, userId, new ModelRequestRecord
                {
                    Id = Guid.NewGuid(), ModelId = i % 2 == 0 ? "gpt-4o" : "claude-sonnet-4", Provider = "bench", RequestedAt = start.AddMilliseconds(i),
                    InputTokens = 100, OutputTokens = 10, InputCostUsd = 0.0001m, OutputCostUsd = 0.0002m, Status = ModelRequestStatus.Success,
                })).ToList();
                await writer.WriteAsync(batch, CancellationToken.None);
                if (size >= 100_000 && offset % 200_000 == 0) Console.WriteLine($"  activation: {offset:N0}/{size:N0} rows written for the {size:N0}-row session");
            }
            await management.ForceActivationCollection(TimeSpan.Zero);
            var cold = await TimeActivationAsync(session, size);
            var warm = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                await management.ForceActivationCollection(TimeSpan.Zero);
                warm.Add(await TimeActivationAsync(session, size));
            }
            warm.Sort();
            report.Activations.Add((size, cold, warm[warm.Count / 2]));
            Console.WriteLine($"  activation of a session with {size:N0} requests: first {cold:F1} ms (full re-sum), then median {warm[warm.Count / 2]:F2} ms (checkpoint)");
        }
    }

    private static async Task<double> TimeActivationAsync(ISessionGrain session, int expected)
    {
        var watch = Stopwatch.StartNew();
        var summary = await session.GetSummary();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (summary.RequestCount != expected) throw new InvalidOperationException($"session shows {summary.RequestCount} requests, expected {expected}");
        return ms;
    }
}
