using System.Net;
using LatticeLock.Storage.Prices;
using LatticeLock.Storage.Sessions;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Re-pricing after a price correction, against a real silo: the rows in the window priced from the table (and those
/// stored unpriced) get the corrected costs; session totals (live and stored), budget spend, cost_aggregations and
/// the postgres metric sink end equal to sums over the corrected rows, while requests keep arriving; a second run
/// changes nothing; an interrupted run resumes from the CLI where it stopped.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class RepriceTests(ServersFixture servers)
{
    private static readonly TimeSpan PumpWait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_reprice_corrects_rows_session_totals_budget_spend_aggregates_and_metric_points()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var admin = env.Client(env.AdminKey);
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-reprice","input_usd_per_mtok":2.50,"cached_input_usd_per_mtok":1.25,"output_usd_per_mtok":10.00,
             "batch_multiplier":0.5,"effective_from":"{{from}}"}
            """, HttpStatusCode.Created);

        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write", "projects:read", "projects:write", "analytics:read");
        var api = env.Client(key);
        var projectId = (await api.SendAsync(HttpMethod.Post, "/v1/projects", """{"name":"repriced"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await api.SendAsync(HttpMethod.Put, $"/v1/projects/{projectId}/budget", """{"monthly_usd":1000}""", HttpStatusCode.OK);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{projectId}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        async Task<Guid> RecordAsync(Guid sessionId, string model, string extra = "")
        {
            var ack = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
                {"session_id":"{{sessionId}}","model_id":"{{model}}","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow.AddSeconds(-5):O}}",
                 "input_tokens":1000,"output_tokens":500,"status":"success"{{extra}}}
                """, HttpStatusCode.Created);
            return ack["id"]!.GetValue<Guid>();
        }

        var plain = await RecordAsync(session, "gpt-reprice");
        for (var i = 1; i < 20; i++)
            await RecordAsync(session, "gpt-reprice", (i % 2 == 0 ? ""","cached_input_tokens":400""" : "") + (i % 3 == 0 ? ""","service_tier":"batch" """ : ""));
        var unpriced = await RecordAsync(session, "gpt-later");
        await RecordAsync(session, "gpt-later");
        var client = await RecordAsync(session, "gpt-reprice", ""","input_cost_usd":0.1,"output_cost_usd":0.2""");
        Assert.Equal("unpriced", await db.ScalarAsync<string>("SELECT cost_source FROM model_requests WHERE id = $1", unpriced));

        // The stored checkpoint folds in what is there so far; five more rows come after it.
        await using (var dataSource = NpgsqlDataSource.Create(env.Database))
            Assert.Equal(23, await new SessionRepository(dataSource).CheckpointTotalsAsync(session, CancellationToken.None));
        for (var i = 0; i < 5; i++) await RecordAsync(session, "gpt-reprice", ""","reasoning_output_tokens":100""");
        const string Ours = "model_id IN ('gpt-reprice', 'gpt-later')";
        Assert.True(await Eventually.TrueInDatabaseAsync(db, $"SELECT (SELECT coalesce(sum(request_count), 0) FROM cost_aggregations WHERE {Ours}) = 28 " +
            $"AND (SELECT count(*) FROM metric_points WHERE {Ours}) = 28", (int)PumpWait.TotalSeconds));

        // The price is corrected (same effective date: a new row), the later model gets its first price.
        var corrected = (await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-reprice","input_usd_per_mtok":3.00,"cached_input_usd_per_mtok":1.50,"output_usd_per_mtok":12.00,
             "batch_multiplier":0.5,"effective_from":"{{from}}"}
            """, HttpStatusCode.OK))["id"]!.GetValue<long>();
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-later","input_usd_per_mtok":1.00,"output_usd_per_mtok":2.00,"effective_from":"{{from}}"}
            """, HttpStatusCode.Created);

        // Requests keep arriving (priced at the corrected price) in another session of the project while the reprice runs.
        var other = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{projectId}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await RecordAsync(other, "gpt-reprice", ""","cached_input_tokens":100""");
                written++;
            }
        });
        var run = await admin.SendAsync(HttpMethod.Post, "/v1/model-prices/reprice",
            $$"""{"from":"{{DateTimeOffset.UtcNow.AddDays(-2):O}}","to":"{{DateTimeOffset.UtcNow.AddMinutes(1):O}}"}""", HttpStatusCode.OK);
        await stop.CancelAsync();
        await writer;
        Assert.True(written > 0, "no request was recorded while the reprice ran");
        Assert.Equal(("finished", 27L, 0L), (run["status"]!.GetValue<string>(), run["rows_changed"]!.GetValue<long>(), run["rows_over_limit"]!.GetValue<long>()));
        Assert.StartsWith("key:", run["requested_by"]!.GetValue<string>());
        Assert.True(run["new_total_usd"]!.GetValue<decimal>() > run["old_total_usd"]!.GetValue<decimal>());

        // The rows: the corrected price's arithmetic, its price row named; client-given costs untouched.
        Assert.Equal(0.009m, await db.ScalarAsync<decimal>("SELECT total_cost_usd FROM model_requests WHERE id = $1", plain)); // 1,000 x 3 + 500 x 12 per million
        Assert.Equal(0.002m, await db.ScalarAsync<decimal>("SELECT total_cost_usd FROM model_requests WHERE id = $1", unpriced)); // 1,000 x 1 + 500 x 2
        Assert.Equal((0.3m, "client"), (await db.ScalarAsync<decimal>("SELECT total_cost_usd FROM model_requests WHERE id = $1", client),
            await db.ScalarAsync<string>("SELECT cost_source FROM model_requests WHERE id = $1", client)));
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM model_requests WHERE model_id = 'gpt-reprice' AND cost_source = 'price_table' AND price_id <> $1", corrected));
        var read = await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{plain}", null, HttpStatusCode.OK);
        Assert.Equal(corrected, read["price_id"]!.GetValue<long>());
        Assert.Equal(0.009m, read["cost_breakdown"]!.AsArray().Sum(p => p!["usd"]!.GetValue<decimal>()));

        // Session totals, live and stored, equal the rows' sums.
        const string SessionSum = "SELECT coalesce(sum(total_cost_usd), 0) FROM model_requests WHERE session_id = $1";
        var sessionSum = await db.ScalarAsync<decimal>(SessionSum, session);
        var summary = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK);
        Assert.Equal((28L, sessionSum), (summary["request_count"]!.GetValue<long>(), summary["total_cost_usd"]!.GetValue<decimal>()));
        await using (var dataSource = NpgsqlDataSource.Create(env.Database))
        {
            var stored = await new SessionRepository(dataSource).LoadTotalsAsync(session, CancellationToken.None);
            Assert.Equal((28L, sessionSum), (stored.RequestCount, stored.TotalCostUsd));
        }
        var otherSummary = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{other}", null, HttpStatusCode.OK);
        Assert.Equal(await db.ScalarAsync<decimal>(SessionSum, other), otherSummary["total_cost_usd"]!.GetValue<decimal>());

        // Budget spend, aggregates and metric points: sums over the corrected rows (the pumps catch up on their own).
        var projectSum = await db.ScalarAsync<decimal>("SELECT sum(total_cost_usd) FROM model_requests WHERE project_id = $1", projectId);
        var budget = await Eventually.Until(() => api.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}/budget", null, HttpStatusCode.OK),
            b => b["spent_usd"]!.GetValue<decimal>() == projectSum, PumpWait, what: $"budget spend equal to {projectSum}");
        Assert.Equal(projectSum, budget["spent_usd"]!.GetValue<decimal>());
        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT (SELECT sum(request_count) FROM cost_aggregations WHERE {Ours}) = (SELECT count(*) FROM model_requests WHERE {Ours}) " +
            $"AND (SELECT sum(total_cost_usd) FROM cost_aggregations WHERE {Ours}) = (SELECT sum(total_cost_usd) FROM model_requests WHERE {Ours}) " +
            $"AND (SELECT sum(total_input_cost_usd) FROM cost_aggregations WHERE {Ours}) = (SELECT sum(coalesce(input_cost_usd, 0)) FROM model_requests WHERE {Ours}) " +
            $"AND (SELECT sum(total_output_cost_usd) FROM cost_aggregations WHERE {Ours}) = (SELECT sum(coalesce(output_cost_usd, 0)) FROM model_requests WHERE {Ours}) " +
            "AND NOT EXISTS (SELECT 1 FROM cost_corrections)", // every corrected row met again and skipped once
            (int)PumpWait.TotalSeconds), "aggregates equal to the corrected rows, every correction met once");
        // Cost per token class, counted before the correction and corrected by it: 6 standard and 3 batch requests
        // with 400 cache reads at 1.50 (0.75 in batch), five with 100 reasoning tokens at 12.00, each written while
        // the reprice ran with 100 cache reads at 1.50.
        var classes = await db.RowsAsync(
            "SELECT sum(total_cached_input_cost_usd), sum(total_reasoning_output_cost_usd) FROM cost_aggregations WHERE model_id = 'gpt-reprice'");
        Assert.Equal((0.0045m + written * 0.00015m, 0.006m), ((decimal)classes[0][0]!, (decimal)classes[0][1]!));
        var costs = await api.SendAsync(HttpMethod.Get, "/v1/analytics/costs?group_by=model", null, HttpStatusCode.OK);
        var row = costs["rows"]!.AsArray().Single(r => r!["key"]!.GetValue<string>() == "gpt-reprice")!;
        Assert.Equal((0.0045m + written * 0.00015m, 0.006m), (row["cached_input_cost_usd"]!.GetValue<decimal>(), row["reasoning_output_cost_usd"]!.GetValue<decimal>()));
        Assert.Equal(row["input_cost_usd"]!.GetValue<decimal>(),
            row["uncached_input_cost_usd"]!.GetValue<decimal>() + row["cached_input_cost_usd"]!.GetValue<decimal>() + row["cache_write_input_cost_usd"]!.GetValue<decimal>());
        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT (SELECT count(*) FROM metric_points WHERE {Ours}) = (SELECT count(*) FROM model_requests WHERE {Ours}) " +
            $"AND (SELECT sum(cost_usd) FROM metric_points WHERE {Ours}) = (SELECT sum(total_cost_usd) FROM model_requests WHERE {Ours})",
            (int)PumpWait.TotalSeconds), "metric points equal to the corrected rows");

        // Again, from the CLI: nothing changes, and both runs are on record.
        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice",
            "--from", DateTimeOffset.UtcNow.AddDays(-2).ToString("O"), "--to", DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"));
        Assert.True(code == 0, output);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT rows_changed FROM reprice_runs WHERE requested_by LIKE 'cli:%'"));
        var runs = (await admin.SendAsync(HttpMethod.Get, "/v1/model-prices/reprice-runs", null, HttpStatusCode.OK))["runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        await admin.SendAsync(HttpMethod.Get, $"/v1/model-prices/reprice-runs/{run["id"]}", null, HttpStatusCode.OK);
        await admin.SendAsync(HttpMethod.Get, $"/v1/model-prices/reprice-runs/{Guid.NewGuid()}", null, HttpStatusCode.NotFound);

        // Bad input names the field and runs nothing; only admin keys reprice.
        var backwards = await admin.SendAsync(HttpMethod.Post, "/v1/model-prices/reprice",
            $$"""{"from":"{{DateTimeOffset.UtcNow:O}}","to":"{{DateTimeOffset.UtcNow.AddDays(-1):O}}"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(backwards["errors"]!["to"]);
        var missing = await admin.SendAsync(HttpMethod.Post, "/v1/model-prices/reprice", """{"to":"2026-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest);
        Assert.NotNull(missing["errors"]!["from"]);
        await api.SendAsync(HttpMethod.Post, "/v1/model-prices/reprice", """{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}""", HttpStatusCode.Forbidden);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM reprice_runs"));
    }

    [Fact]
    public async Task An_interrupted_reprice_resumes_from_the_cli_and_live_sessions_follow()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var admin = env.Client(env.AdminKey);
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices",
            $$"""{"provider":"acme","model":"resumable","input_usd_per_mtok":1,"output_usd_per_mtok":1,"effective_from":"{{from}}"}""", HttpStatusCode.Created);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        // 1,500 requests spread over six hours: more than one chunk of 1,000.
        const int Count = 1_500;
        var start = DateTimeOffset.UtcNow.AddHours(-6);
        for (var b = 0; b < Count / 500; b++)
        {
            var items = Enumerable.Range(b * 500, 500).Select(i => $$"""
                {"session_id":"{{session}}","model_id":"resumable","provider":"acme","requested_at":"{{start.AddSeconds(14.4 * i):O}}",
                 "input_tokens":1000,"output_tokens":1000,"status":"success"}
                """);
            var batch = await api.SendAsync(HttpMethod.Post, "/v1/model-requests/batch", $$"""{"requests":[{{string.Join(",", items)}}]}""", HttpStatusCode.OK);
            Assert.Equal(500, batch["accepted"]!.GetValue<int>());
        }
        var before = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK);
        Assert.Equal(3.0m, before["total_cost_usd"]!.GetValue<decimal>());
        await admin.SendAsync(HttpMethod.Put, "/v1/model-prices",
            $$"""{"provider":"acme","model":"resumable","input_usd_per_mtok":2,"output_usd_per_mtok":3,"effective_from":"{{from}}"}""", HttpStatusCode.OK);

        // The run is stopped after its first chunk (as a crash would stop it, between two transactions).
        await using var dataSource = NpgsqlDataSource.Create(env.Database);
        var runs = new RepriceRunStore(dataSource);
        var repricer = new CostRepricer(dataSource, new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)), runs, new PriceRows(new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System))));
        using var interrupt = new CancellationTokenSource();
        Guid? runId = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => repricer.RunAsync(
            new RepriceWindow(start.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1), "acme", null), null, "test",
            new SynchronousProgress(r => { runId = r.Id; interrupt.Cancel(); }), interrupt.Token));
        var stopped = await runs.GetAsync(runId!.Value, CancellationToken.None);
        Assert.NotNull(stopped);
        Assert.Equal(RepriceRun.Running, stopped.Status);
        Assert.Equal(1_000L, stopped.RowsExamined);

        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice", "--resume", runId.Value.ToString());
        Assert.True(code == 0, output);
        var finished = await runs.GetAsync(runId.Value, CancellationToken.None);
        Assert.Equal((RepriceRun.Finished, 1_500L, 1_500L, 3.0m, 7.5m),
            (finished!.Status, finished.RowsExamined, finished.RowsChanged, finished.OldTotalUsd, finished.NewTotalUsd));

        // The CLI wrote PostgreSQL directly; its NOTIFY has the silo's live session grain sum again.
        var after = await Eventually.Until(() => api.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK),
            s => s["total_cost_usd"]!.GetValue<decimal>() == 7.5m, TimeSpan.FromSeconds(30), what: "the live session total after the CLI's reprice");
        Assert.Equal((1_500L, 7.5m), (after["request_count"]!.GetValue<long>(), after["total_cost_usd"]!.GetValue<decimal>()));
        // Resuming a finished run changes nothing.
        var (again, againOutput) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice", "--resume", runId.Value.ToString());
        Assert.True(again == 0, againOutput);
        Assert.Equal(1_500L, (await runs.GetAsync(runId.Value, CancellationToken.None))!.RowsChanged);

        // A window that ends before it starts is refused naming --to (exit 2); an unknown run to resume likewise.
        var (badCode, badOutput) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice", "--from", "2026-02-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z");
        Assert.True(badCode != 0 && badOutput.Contains("to: must be later"), badOutput);
        var (unknownCode, unknownOutput) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice", "--resume", Guid.NewGuid().ToString());
        Assert.True(unknownCode == 2 && unknownOutput.Contains("no reprice run"), unknownOutput);
        var (farCode, farOutput) = await BuiltProgram.RunCliAsync(env.Database, "prices", "reprice", "--from", "2020-01-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z");
        Assert.True(farCode == 2 && farOutput.Contains("at most 800 days"), farOutput);
    }

    private sealed class SynchronousProgress(Action<RepriceRun> report) : IProgress<RepriceRun>
    {
        public void Report(RepriceRun value) => report(value);
    }
}
