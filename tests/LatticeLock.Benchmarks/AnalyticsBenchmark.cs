using System.Diagnostics;
using LatticeLock.Storage.Analytics;
using LatticeLock.Storage.Metrics;
using LatticeLock.Storage.Prices;
using LatticeLock.Storage.ModelRequests;
using Npgsql;

namespace LatticeLock.Benchmarks;

/// <summary>
/// Loads N requests spread over 30 days (binary COPY), builds cost_aggregations through the real aggregates consumer,
/// then times "costs by model over 30 days" from the aggregates against the same GROUP BY over raw model_requests.
/// </summary>
public static class AnalyticsBenchmark
{
    private static readonly string[] Models = ["gpt-4o", "claude-sonnet-4", "gemini-2.5-pro", "llama-3.1-70b", "o3-mini", "mistral-large"];
    private static readonly string[] Tasks = ["code", "chat", "summarize", "plan"];

    public static async Task RunAsync(string database, List<ModelRequestRow> templates, int count, BenchmarkReport report)
    {
        report.AnalyticsRows = count;
        await using var dataSource = NpgsqlDataSource.Create(database);
        var today = DateTimeOffset.UtcNow.Date;
        Console.WriteLine($"analytics: loading {count:N0} requests over 30 days");
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            for (var offset = 0; offset < count; offset += 50_000)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                await using (var importer = await connection.BeginBinaryImportAsync($"COPY model_requests ({ModelRequestBatchWriter.Columns}) FROM STDIN (FORMAT BINARY)"))
                {
                    for (var i = offset; i < Math.Min(count, offset + 50_000); i++)
                    {
                        var t = templates[i % templates.Count];
                        var at = new DateTimeOffset(today, TimeSpan.Zero).AddDays(-(i % 30)).AddSeconds(i % 86_000);
                        ModelRequestBatchWriter.WriteRow(importer, t with
                        {
                            Request = t.Request with
                            {
                                Id = Guid.NewGuid(), ModelId = Models[i % Models.Length], TaskType = Tasks[i % Tasks.Length],
                                RequestedAt = at, RespondedAt = at.AddMilliseconds(200 + i % 900), LatencyMs = 200 + i % 900,
                            },
                        });
                    }
                    await importer.CompleteAsync();
                }
                await transaction.CommitAsync();
                Console.WriteLine($"  loaded {Math.Min(count, offset + 50_000):N0}/{count:N0}");
            }
        }
        await using (var analyze = dataSource.CreateCommand("ANALYZE model_requests")) await analyze.ExecuteNonQueryAsync();

        // Build the aggregates the way the silo does: the consumer follows its cursor in batches.
        var cursors = new MetricCursorStore(dataSource);
        var feed = new ModelRequestFeed(dataSource);
        var consumer = new CostAggregationConsumer(dataSource, cursors, new PriceRows(new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System))));
        var cursor = await cursors.GetOrCreateAsync(consumer.Name, CancellationToken.None);
        var aggregated = 0;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var batch = await feed.ReadAfterAsync(cursor, 10_000, CancellationToken.None);
            if (batch.Points.Count == 0) break;
            if (!(await consumer.ConsumeAsync(batch, CancellationToken.None)).Advanced) throw new InvalidOperationException("cursor moved during the benchmark");
            cursor = batch.To;
            aggregated += batch.Points.Count;
            if (aggregated % 100_000 < 10_000) Console.WriteLine($"  aggregated {aggregated:N0}");
        }
        report.AggregationRowsPerSecond = aggregated / watch.Elapsed.TotalSeconds;

        var analytics = new CostAnalytics(new LatticeLock.Storage.ReadOnlyDataSource(dataSource));
        var from = DateOnly.FromDateTime(today).AddDays(-29);
        var to = DateOnly.FromDateTime(today).AddDays(1);
        List<CostRow> viaAggregates = [];
        report.AggregateQueryMs = await MedianMsAsync(async () => viaAggregates = await analytics.CostsAsync(from, to, CostGroupBy.Model, AnalyticsScope.Everything, CancellationToken.None));
        await using (var rowsRead = dataSource.CreateCommand("SELECT count(*) FROM cost_aggregations WHERE aggregation_date >= $1 AND aggregation_date < $2"))
        {
            rowsRead.Parameters.AddWithValue(from);
            rowsRead.Parameters.AddWithValue(to);
            report.AggregateRowsRead = (int)(long)(await rowsRead.ExecuteScalarAsync())!;
        }
        var raw = new List<(string, long, decimal)>();
        report.RawGroupByMs = await MedianMsAsync(async () =>
        {
            raw.Clear();
            await using var command = dataSource.CreateCommand("""
                SELECT model_id, count(*), sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(coalesce(total_cost_usd, 0))
                FROM model_requests WHERE requested_at >= $1 AND requested_at < $2 GROUP BY model_id
                """);
            command.Parameters.AddWithValue(new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            command.Parameters.AddWithValue(new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) raw.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(4)));
        });
        // Same answer both ways, or the timing means nothing.
        foreach (var (model, requests, cost) in raw)
        {
            var row = viaAggregates.Single(r => r.Key == model);
            if (row.Requests != requests || row.CostUsd != cost) throw new InvalidOperationException($"aggregates disagree with model_requests for {model}");
        }
    }

    private static async Task<double> MedianMsAsync(Func<Task> query)
    {
        await query(); // warm
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            await query();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
