using LatticeLock.Grains.Abstractions.Metrics;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Analytics;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>Every stored request reaches every consumer exactly once, and analytics equal plain SQL over model_requests.</summary>
[Collection(ServersCollection.Name)]
public sealed class MetricPipelineTests(ServersFixture servers)
{
    private static readonly string[] Models = ["gpt-4o", "claude-sonnet", "gemini-pro"];
    private static readonly string?[] TaskTypes = ["code", "chat", null];

    /// <summary>Requests spread over <paramref name="days"/> days, models, task types, outcomes, users and projects (some unpriced).</summary>
    private static async Task<int> GenerateAsync(IGrainFactory grains, int count, int days)
    {
        var sessions = new List<Guid>();
        for (var i = 0; i < 2; i++) sessions.Add((await Scenario.NewProjectSessionAsync(grains)).SessionId);
        sessions.Add(await Scenario.NewSessionAsync(grains)); // no project
        var random = new Random(42);
        var today = DateTimeOffset.UtcNow.Date;
        var now = DateTimeOffset.UtcNow;
        var requests = Enumerable.Range(0, count).Select(i =>
        {
            var at = new DateTimeOffset(today, TimeSpan.Zero).AddDays(-random.Next(days)).AddMinutes(random.Next(0, 1439));
            if (at > now) at = at.AddDays(-1); // never ahead of the silo's clock (a requested_at in the future is refused)
            var priced = i % 10 != 0;
            var request = Scenario.Request(Models[i % 3], random.Next(10, 5000), random.Next(1, 2000),
                random.Next(0, 10_000) / 1_000_000m, random.Next(0, 10_000) / 1_000_000m) with
            {
                TaskType = TaskTypes[random.Next(3)], RequestedAt = at, RespondedAt = at.AddMilliseconds(100),
                LatencyMs = random.Next(50, 5000), Status = random.Next(5) == 0 ? ModelRequestStatus.Error : ModelRequestStatus.Success,
                InputCostUsd = priced ? random.Next(0, 10_000) / 1_000_000m : null, OutputCostUsd = priced ? random.Next(0, 10_000) / 1_000_000m : null,
                Provider = i % 3 == 0 ? "openai" : "acme",
                ServiceTier = i % 5 == 0 ? ServiceTier.Batch : i % 7 == 0 ? ServiceTier.Standard : null,
            };
            // Token classes on some: parts of the totals, summed by the aggregates too.
            request = request with
            {
                CachedInputTokens = i % 2 == 0 ? request.InputTokens / 4 : null,
                CacheWriteInputTokens = i % 3 == 0 ? request.InputTokens / 8 : null,
                ReasoningOutputTokens = i % 4 == 0 ? request.OutputTokens / 3 : null,
            };
            return (Session: sessions[i % sessions.Count], Request: request);
        }).ToList();
        await Task.WhenAll(requests.Select(r => grains.GetGrain<ISessionGrain>(r.Session).RecordModelRequest(r.Request)));
        // Retries of already stored requests change nothing anywhere.
        await Task.WhenAll(requests.Take(20).Select(r => grains.GetGrain<ISessionGrain>(r.Session).RecordModelRequest(r.Request)));
        return count;
    }

    private static async Task CatchUpAsync(IGrainFactory grains)
    {
        foreach (var consumer in new[] { "postgres", "aggregates" })
            await grains.GetGrain<IMetricPumpGrain>(consumer).CatchUp();
    }

    [Fact]
    public async Task Every_request_reaches_metric_points_and_the_aggregates_exactly_once_even_when_replayed()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database);
        var count = await GenerateAsync(cluster.GrainFactory, 600, days: 3);
        await CatchUpAsync(cluster.GrainFactory);

        Assert.Equal(count, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
        Assert.Equal(count, await db.ScalarAsync<long>("SELECT count(DISTINCT request_id) FROM metric_points"));
        Assert.Equal(count, await db.ScalarAsync<long>("SELECT count(*) FROM metric_points"));
        Assert.Equal(0L, await db.ScalarAsync<long>("""
            SELECT count(*) FROM model_requests m JOIN metric_points p ON p.request_id = m.id
            WHERE p.time <> m.requested_at OR p.model_id <> m.model_id OR p.status <> m.status OR p.latency_ms IS DISTINCT FROM m.latency_ms
               OR p.cost_usd IS DISTINCT FROM (CASE WHEN m.cost_source = 'unpriced' THEN NULL ELSE m.total_cost_usd END)
               OR p.project_id IS DISTINCT FROM m.project_id
            """));
        Assert.Equal(count, await db.ScalarAsync<long>("SELECT sum(request_count)::bigint FROM cost_aggregations"));
        Assert.Equal(await db.ScalarAsync<decimal>("SELECT sum(coalesce(total_cost_usd, 0)) FROM model_requests"),
            await db.ScalarAsync<decimal>("SELECT sum(total_cost_usd) FROM cost_aggregations"));

        var (code, status) = await BuiltProgram.RunCliAsync(database, "metrics", "status");
        Assert.True(code == 0, status);
        Assert.Contains("aggregates", status);
        Assert.Contains("600", status);
        (code, var refused) = await BuiltProgram.RunCliAsync(database, "metrics", "rewind", "aggregates");
        Assert.True(code != 0, refused); // the aggregates add up what they get: a rewind would double them
        (code, refused) = await BuiltProgram.RunCliAsync(database, "metrics", "rewind", "nosuchsink");
        Assert.True(code != 0, refused);

        // Replay everything into the PostgreSQL sink: its writes are idempotent, so nothing doubles.
        (code, var rewound) = await BuiltProgram.RunCliAsync(database, "metrics", "rewind", "postgres");
        Assert.True(code == 0, rewound);
        Assert.Equal(count, await cluster.GrainFactory.GetGrain<IMetricPumpGrain>("postgres").CatchUp());
        Assert.Equal(count, await db.ScalarAsync<long>("SELECT count(*) FROM metric_points"));

        // The pump's latency histograms (with smallest and largest latency) equal what migration 19 computes from the log
        // (its backfill, run again here by going down to 18 and up), and its SQL bucket rule equals LatencyHistogram's.
        Assert.Equal(LatticeLock.Storage.Analytics.LatencyHistogram.Bounds, await db.ScalarAsync<int[]>("SELECT latency_histogram_bounds()"));
        // (Summed over service tiers: below migration 22 an aggregate has none.)
        const string histograms = """
            SELECT aggregation_date, user_id, project_id, provider, model_id, task_type, min(latency_min_ms), max(latency_max_ms),
                   latency_histogram_sum(latency_histogram)::text
            FROM cost_aggregations GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
            """;
        var byPump = await db.RowsAsync(histograms);
        Assert.All(byPump, row => Assert.NotNull(row[8]));
        await using (var migrations = NpgsqlDataSource.Create(database))
        {
            var runner = new LatticeLock.Storage.Migrations.MigrationRunner(migrations);
            await runner.DownAsync(18);
            Assert.Equal(LatticeLock.Storage.Migrations.MigrationCatalog.Head - 18, await runner.UpAsync());
        }
        Assert.Equal(byPump.Select(r => string.Join('|', r)), (await db.RowsAsync(histograms)).Select(r => string.Join('|', r)));
        Assert.True(byPump.Count >= 3, $"{byPump.Count} aggregate rows");

        // Lag is published as a metric too, per sink.
        var lag = new Dictionary<string, double>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LatticeLock.Grains.Metrics.MetricDeliveryMeter.MeterName && instrument.Name == "latticelock.metrics.lag") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<double>((_, value, tags, _) => lag[(string)tags[0].Value!] = value);
            listener.Start();
            listener.RecordObservableInstruments();
        }
        Assert.Contains("postgres", lag.Keys);
        Assert.Contains("aggregates", lag.Keys);
        Assert.All(lag.Values, seconds => Assert.True(seconds >= 0));

        var states = await db.RowsAsync("SELECT sink, consecutive_failures FROM metric_sink_cursors ORDER BY sink");
        Assert.Equal(new[] { "aggregates", "postgres" }, states.Select(s => (string)s[0]!));
    }

    [Fact]
    public async Task Cost_and_model_analytics_equal_plain_sql_over_model_requests()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database);
        await GenerateAsync(cluster.GrainFactory, 900, days: 10);
        await CatchUpAsync(cluster.GrainFactory);
        await using var dataSource = NpgsqlDataSource.Create(database);
        var analytics = new CostAnalytics(new LatticeLock.Storage.ReadOnlyDataSource(dataSource));

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var from = today.AddDays(-6);
        var to = today.AddDays(1);
        var keys = new Dictionary<CostGroupBy, string>
        {
            [CostGroupBy.Day] = "to_char((requested_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')", [CostGroupBy.Provider] = "provider",
            [CostGroupBy.Model] = "model_id", [CostGroupBy.TaskType] = "task_type", [CostGroupBy.User] = "user_id::text", [CostGroupBy.Project] = "project_id::text",
            [CostGroupBy.ServiceTier] = "coalesce(service_tier, 'standard')",
        };
        Assert.Equal(Enum.GetValues<CostGroupBy>().Length, keys.Count);
        foreach (var (groupBy, key) in keys)
        {
            var expected = (await db.RowsAsync($"""
                SELECT {key}, count(*), sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(coalesce(total_cost_usd, 0)),
                       sum(coalesce(cached_input_tokens, 0))::bigint, sum(coalesce(cache_write_input_tokens, 0))::bigint,
                       sum(coalesce(reasoning_output_tokens, 0))::bigint, sum(coalesce(input_cost_usd, 0)), sum(coalesce(output_cost_usd, 0))
                FROM model_requests
                WHERE requested_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND requested_at < $2::date::timestamp AT TIME ZONE 'UTC'
                GROUP BY 1
                """, from, to)).Select(r => new CostRow((string?)r[0], (long)r[1]!, (long)r[2]!, (long)r[3]!, (decimal)r[4]!,
                    (long)r[5]!, (long)r[6]!, (long)r[7]!, (decimal)r[8]!, (decimal)r[9]!)).OrderBy(r => r.Key).ToList();
            var actual = (await analytics.CostsAsync(from, to, groupBy, AnalyticsScope.Everything, default)).OrderBy(r => r.Key).ToList();
            Assert.Equal(expected, actual);
            Assert.NotEmpty(actual);
        }

        var windowFrom = today.AddDays(-5);
        var windowTo = today.AddDays(1);
        var models = await analytics.ModelsAsync(windowFrom, windowTo, "code", "success_rate", AnalyticsScope.Everything, default);
        var sql = await db.RowsAsync("""
            SELECT model_id, provider, count(*), avg(CASE WHEN status = 'success' THEN 1.0 ELSE 0 END),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms),
                   sum(coalesce(total_cost_usd, 0)) / nullif(count(*) FILTER (WHERE status = 'success'), 0),
                   sum(coalesce(total_cost_usd, 0)) / nullif(sum(total_tokens), 0) * 1000
            FROM model_requests WHERE task_type = 'code'
              AND requested_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND requested_at < $2::date::timestamp AT TIME ZONE 'UTC'
            GROUP BY 1, 2
            """, windowFrom, windowTo);
        Assert.Equal(sql.Count, models.Count);
        Assert.Equal(3, models.Count); // gpt-4o from openai, the others from acme
        foreach (var row in sql)
        {
            var m = models.Single(x => x.ModelId == (string)row[0]! && x.Provider == (string)row[1]!);
            Assert.Equal((long)row[2]!, m.Requests);
            Assert.Equal(decimal.Round((decimal)row[3]!, 10), decimal.Round(m.SuccessRate, 10));
            // Nearest-rank percentiles from the histograms: within 5 % of the exact ones.
            Assert.InRange(m.P50LatencyMs!.Value, (int)row[4]! * 0.95, (int)row[4]! * 1.05);
            Assert.InRange(m.P95LatencyMs!.Value, (int)row[5]! * 0.95, (int)row[5]! * 1.05);
            Assert.Equal(decimal.Round((decimal)row[6]!, 8), m.AvgCostPerSuccessUsd);
            Assert.Equal(decimal.Round((decimal)row[7]!, 8), m.CostPer1kTokensUsd);
            Assert.Null(m.FeedbackScore);
        }
        Assert.Equal(models.OrderByDescending(m => m.SuccessRate).Select(m => m.SuccessRate), models.Select(m => m.SuccessRate));
    }
}
