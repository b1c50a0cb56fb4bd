using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Migrations;
using LatticeLock.Storage.Sessions;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Migration 9 (lean, partitioned model_requests): a version 8 database keeps every stored row byte for byte, each
/// month gets its partition, request-id idempotency holds across partitions (a retry months later, even with another
/// requested_at), session totals come from a checkpoint, and down restores version 8 with the same rows.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class LeanRequestLogMigrationTests(ServersFixture servers)
{
    private const int LeanRequestLog = 9;

    // Every stored column, in one fixed order, so the fingerprint is the same whichever table layout holds the rows
    // (version 13 renamed created_at to recorded_at; the values are the same).
    private static string Fingerprint(string recordedAt = "created_at") => """
        SELECT count(*), md5(coalesce(string_agg(concat_ws('|', id, session_id, chat_id, user_id, trace_id, parent_span_id, span_id,
            model_id, model_name, provider, task_type, priority, requested_at, responded_at, latency_ms, input_tokens, output_tokens,
            total_tokens, input_cost_usd, output_cost_usd, total_cost_usd, status, error_code, error_message, function_calls,
            function_results, context_window_used, temperature, max_tokens, was_fallback, original_model_id, selection_score,
            selection_reason, raw_request, raw_response, metadata, RECORDED_AT, updated_at, cost_source, project_id,
            reservation_id, xact_id), E'\n' ORDER BY id), ''))
        FROM model_requests
        """.Replace("RECORDED_AT", recordedAt, StringComparison.Ordinal);

    [Fact]
    public async Task A_version_8_database_keeps_every_row_and_ids_stay_unique_across_partitions()
    {
        var database = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var runner = new MigrationRunner(dataSource);
        await runner.UpAsync(LeanRequestLog - 1);

        // Version 8 rows over three months, with every kind of value (nulls, json, generated columns, prices).
        var userId = Guid.NewGuid();
        var sessionId = Guid.NewGuid();
        var chatId = Guid.NewGuid();
        await db.ScalarAsync<int>("INSERT INTO users (id, email) VALUES ($1, 'v8@example.com') RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO sessions (id, user_id) VALUES ($1, $2) RETURNING 1", sessionId, userId);
        await db.ScalarAsync<int>("INSERT INTO chats (id, session_id, title) VALUES ($1, $2, 'c') RETURNING 1", chatId, sessionId);
        await db.ScalarAsync<int>("""
            INSERT INTO model_requests (id, session_id, chat_id, user_id, trace_id, model_id, provider, task_type, requested_at, responded_at,
                latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd, status, error_code, function_calls, temperature,
                was_fallback, raw_request, metadata, cost_source)
            SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN $2::uuid END, $3, 'trace-' || g, 'model-' || (g % 3), 'openai',
                   CASE WHEN g % 4 = 0 THEN 'code' END,
                   timestamptz '2025-01-15T10:00:00Z' + (g % 3) * interval '3 months' + g * interval '1 minute',
                   timestamptz '2025-01-15T10:00:01Z' + (g % 3) * interval '3 months' + g * interval '1 minute',
                   g, 100 + g, 50 + g, CASE WHEN g % 5 <> 0 THEN 0.0001 * g END, 0.0002 * g,
                   CASE WHEN g % 7 = 0 THEN 'error' ELSE 'success' END, CASE WHEN g % 7 = 0 THEN 'rate_limit' END,
                   CASE WHEN g % 6 = 0 THEN '[{"name": "f"}]'::jsonb END, 0.7, g % 9 = 0, '{"p": 1}'::jsonb,
                   jsonb_build_object('g', g), CASE WHEN g % 5 = 0 THEN 'unpriced' ELSE 'client' END
            FROM generate_series(1, 300) g
            RETURNING 1
            """, sessionId, chatId, userId);
        var before = await db.RowsAsync(Fingerprint());
        var sums = await db.RowsAsync("SELECT count(*), sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(total_cost_usd) FROM model_requests WHERE session_id = $1", sessionId);
        var stored = (Guid)(await db.RowsAsync("SELECT id FROM model_requests ORDER BY requested_at LIMIT 1"))[0][0]!;

        await runner.UpAsync();
        Assert.Equal(MigrationCatalog.Head, await runner.CurrentVersionAsync());
        Assert.Equal("p", await db.ScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE relname = 'model_requests'"));
        Assert.Equal(before, await db.RowsAsync(Fingerprint("recorded_at")));
        Assert.Equal(300L, await db.ScalarAsync<long>("SELECT count(*) FROM model_request_ids"));
        // One partition per month that has rows (January, April, July 2025), none left in the default partition.
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname IN ('model_requests_2025_01', 'model_requests_2025_04', 'model_requests_2025_07')"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests_default"));
        // No foreign keys and only the documented indexes on the hot log.
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE conrelid = 'model_requests'::regclass AND contype = 'f'"));
        Assert.Equal(
            new[] { "idx_model_requests_project", "idx_model_requests_requested_brin", "idx_model_requests_session_xact", "idx_model_requests_workspace", "idx_model_requests_xact" },
            (await db.RowsAsync("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'model_requests'::regclass ORDER BY 1")).Select(r => (string)r[0]!));
        // The migration checkpointed the session's totals: they equal the table's sums.
        Assert.Equal(sums, await db.RowsAsync("SELECT totals_request_count, totals_input_tokens, totals_output_tokens, totals_cost_usd FROM sessions WHERE id = $1", sessionId));

        var backfilled = Guid.Empty;
        await using (var cluster = await LatticeCluster.StartAsync(database, silos: 1))
        {
            var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
            var summary = await session.GetSummary();
            Assert.Equal(sums[0], new object?[] { summary.RequestCount, summary.InputTokens, summary.OutputTokens, summary.TotalCostUsd });

            // A retry of a row stored in January 2025's partition, sent now with today's time: recognised, nothing stored.
            var retry = await session.RecordModelRequest(Scenario.Request() with { Id = stored });
            Assert.True(retry.WasDuplicate);
            // A new request (a late backfill) for a month with no partition waits in the default partition, and moves when its month is created.
            // (a month 12 to 23 months back, within LatticeLock:ModelRequests:MaxPastAge, whose partition does not exist)
            var thisMonth = new DateTimeOffset(DateTimeOffset.UtcNow.Year, DateTimeOffset.UtcNow.Month, 2, 0, 0, 0, TimeSpan.Zero);
            var backfill = thisMonth;
            for (var back = 12; back < 24; back++)
            {
                backfill = thisMonth.AddMonths(-back);
                if (!await db.ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", $"model_requests_{backfill:yyyy_MM}")) break;
            }
            var future = Scenario.Request() with { RequestedAt = backfill, RespondedAt = null };
            backfilled = future.Id;
            Assert.False((await session.RecordModelRequest(future)).WasDuplicate);
            Assert.True((await session.RecordModelRequest(future)).WasDuplicate);
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests_default"));
            Assert.True(await db.ScalarAsync<bool>("SELECT ensure_monthly_partition('model_requests', 'requested_at', $1)", DateOnly.FromDateTime(backfill.UtcDateTime)));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests_default"));
            Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM model_requests_{backfill:yyyy_MM} WHERE id = $1", future.Id));
            Assert.Equal(301L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
            Assert.Equal(301L, await db.ScalarAsync<long>("SELECT count(*) FROM model_request_ids"));
            Assert.Equal(301L, (await session.GetSummary()).RequestCount);
        }

        // Down to version 8: one plain table with its primary key and foreign keys again, holding the same rows.
        await db.ScalarAsync<int>("DELETE FROM model_requests WHERE id = $1 RETURNING 1", backfilled);
        await runner.DownAsync(LeanRequestLog - 1);
        Assert.Equal("r", await db.ScalarAsync<string>("SELECT relkind::text FROM pg_class WHERE relname = 'model_requests'"));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE conrelid = 'model_requests'::regclass AND contype = 'f'"));
        Assert.Equal(before, await db.RowsAsync(Fingerprint()));
    }

    [Fact]
    public async Task Session_totals_come_from_a_checkpoint_plus_the_rows_after_it()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var sessions = new SessionRepository(dataSource);

        await using var cluster = await LatticeCluster.StartAsync(database, silos: 1);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => session.RecordModelRequest(Scenario.Request(input: 10 + i, output: 1))));

        // Before any checkpoint every row counts as "after" it; a checkpoint folds them in and leaves none after.
        Assert.Equal(40L, (await sessions.LoadTotalsAsync(sessionId, default)).RowsSinceCheckpoint);
        Assert.Equal(40L, await sessions.CheckpointTotalsAsync(sessionId, default));
        var afterCheckpoint = await sessions.LoadTotalsAsync(sessionId, default);
        Assert.Equal((0L, 40L), (afterCheckpoint.RowsSinceCheckpoint, afterCheckpoint.RequestCount));
        Assert.Equal(40L, await db.ScalarAsync<long>("SELECT totals_request_count FROM sessions WHERE id = $1", sessionId));

        // Rows after the checkpoint are added on top; the sum equals the table's whatever the split.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => session.RecordModelRequest(Scenario.Request(model: "claude-3", input: 7, output: 3))));
        var totals = await sessions.LoadTotalsAsync(sessionId, default);
        var table = (await db.RowsAsync("SELECT count(*), sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(total_cost_usd) FROM model_requests WHERE session_id = $1", sessionId))[0];
        Assert.Equal(table, new object?[] { totals.RequestCount, totals.InputTokens, totals.OutputTokens, totals.TotalCostUsd });
        Assert.Equal(5L, totals.RowsSinceCheckpoint);
        Assert.Equal(new[] { "claude-3", "gpt-4o" }, totals.Models);

        // Deactivation moves the checkpoint forward; a fresh activation reads the same totals the grain kept in memory.
        var hot = await session.GetSummary();
        await cluster.DeactivateAsync(session);
        Assert.Equal(0L, (await sessions.LoadTotalsAsync(sessionId, default)).RowsSinceCheckpoint);
        var cold = await session.GetSummary();
        Assert.Equal((hot.RequestCount, hot.InputTokens, hot.OutputTokens, hot.TotalCostUsd), (cold.RequestCount, cold.InputTokens, cold.OutputTokens, cold.TotalCostUsd));
        Assert.Equal(45L, cold.RequestCount);
    }
}
