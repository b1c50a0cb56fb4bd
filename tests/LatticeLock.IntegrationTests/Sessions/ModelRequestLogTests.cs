using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Commits;
using LatticeLock.Storage.ModelRequests;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>The group-commit log on its own: batches, all-or-nothing failure, duplicates, recovery.</summary>
[Collection(ServersCollection.Name)]
public sealed class ModelRequestLogTests(ServersFixture servers)
{
    [Fact]
    public async Task A_row_the_database_rejects_fails_alone_and_its_batch_neighbours_commit()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        var (sessionId, userId) = await SeedSessionAsync(database);
        // One batch of exactly 11 rows: the size closes it, the long delay keeps the rows together until then.
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var log = NewLog(dataSource, new GroupCommitOptions { MaxBatchSize = 11, MaxBatchDelay = TimeSpan.FromSeconds(1), ConcurrentBatches = 1, QueueCapacity = 100 });

        var good = Enumerable.Range(0, 10).Select(_ => new ModelRequestRow(sessionId, userId, Scenario.Request())).ToList();
        var poisoned = new ModelRequestRow(sessionId, userId, Scenario.Request() with { InputTokens = -1 }); // only the CHECK constraint stops it
        var goodCalls = good.Select(row => log.AppendAsync(row)).ToList();
        var poisonedCall = log.AppendAsync(poisoned);

        Assert.All(await Task.WhenAll(goodCalls), Assert.True);
        // Permanent: a 400 naming the field the constraint guards, not a 503 that clients would retry forever.
        var error = await Assert.ThrowsAsync<InvalidFieldException>(() => poisonedCall);
        Assert.Equal("input_tokens", error.Field);
        Assert.Contains("SQLSTATE 23514", error.Message);
        Assert.Equal(10L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE id = $1", poisoned.Request.Id));
    }

    [Fact]
    public async Task When_the_database_is_unreachable_every_caller_in_the_batch_fails_and_nothing_is_acknowledged()
    {
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2");
        await using var log = NewLog(unreachable, new GroupCommitOptions { MaxBatchSize = 5, MaxBatchDelay = TimeSpan.FromSeconds(1), ConcurrentBatches = 1, QueueCapacity = 100 });
        var calls = Enumerable.Range(0, 5).Select(_ => log.AppendAsync(new ModelRequestRow(Guid.NewGuid(), Guid.NewGuid(), Scenario.Request()))).ToList();
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<NotAcknowledgedException>(() => call);
            Assert.Contains("batch of 5 model requests", error.Message);
            Assert.Contains("not acknowledged", error.Message);
        }
    }

    [Fact]
    public async Task The_queue_is_bounded_in_bytes_and_refuses_at_once_what_would_pass_the_bound()
    {
        // 1 MiB of rows awaiting commit at most; each row carries a 100 KiB raw request (about 205 KB in memory).
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2");
        await using var log = NewLog(unreachable, new GroupCommitOptions { MaxBatchSize = 100, MaxBatchDelay = TimeSpan.FromSeconds(1), ConcurrentBatches = 1, QueueCapacity = 1000, QueueCapacityBytes = 1024 * 1024 });
        var raw = "{\"prompt\":\"" + new string('p', 100 * 1024) + "\"}";
        var calls = Enumerable.Range(0, 20).Select(_ => log.AppendAsync(new ModelRequestRow(Guid.NewGuid(), Guid.NewGuid(), Scenario.Request() with { RawRequestJson = raw }))).ToList();

        // Five fit (5 × 205 KB < 1 MiB); the other fifteen are refused before being queued, without waiting.
        var refused = calls.Where(c => c.IsFaulted && c.Exception!.InnerException is OverloadedException).ToList();
        Assert.Equal(15, refused.Count);
        Assert.Contains("QueueCapacityBytes", refused[0].Exception!.InnerException!.Message);
        Assert.InRange(log.QueuedBytes, 5 * 204_800, 1024 * 1024);
        foreach (var queued in calls.Except(refused)) await Assert.ThrowsAsync<NotAcknowledgedException>(() => queued); // the database is unreachable
        Assert.Equal(0, log.QueuedBytes); // every answered row gives its bytes back
    }

    [Fact]
    public async Task Stored_ids_in_a_batch_are_skipped_and_reported_while_new_rows_commit()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        var (sessionId, userId) = await SeedSessionAsync(database);
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var log = NewLog(dataSource, new GroupCommitOptions { MaxBatchSize = 6, MaxBatchDelay = TimeSpan.FromSeconds(1), ConcurrentBatches = 1, QueueCapacity = 100 });

        var first = Enumerable.Range(0, 3).Select(_ => new ModelRequestRow(sessionId, userId, Scenario.Request())).ToList();
        await using (var warm = NewLog(dataSource, new GroupCommitOptions { ConcurrentBatches = 1 }))
        {
            Assert.All(await Task.WhenAll(first.Select(r => warm.AppendAsync(r))), Assert.True);
        }

        // A batch of 6: three ids already stored (retries) and three new ones.
        var fresh = Enumerable.Range(0, 3).Select(_ => new ModelRequestRow(sessionId, userId, Scenario.Request())).ToList();
        var results = await Task.WhenAll(first.Concat(fresh).Select(r => log.AppendAsync(r)));
        Assert.Equal([false, false, false, true, true, true], results);
        Assert.Equal(6L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
    }

    [Fact]
    public async Task Every_field_round_trips_through_binary_copy()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        var (sessionId, userId) = await SeedSessionAsync(database);
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var log = NewLog(dataSource, new GroupCommitOptions());
        var requestedAt = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(2));
        var request = Scenario.Request() with
        {
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736", ParentSpanId = "00f067aa0ba902b7", SpanId = "00f067aa0ba902b8",
            ModelName = "GPT-4o", TaskType = "code", Priority = "high", RequestedAt = requestedAt,
            RespondedAt = requestedAt.AddMilliseconds(1234), LatencyMs = 1234, InputTokens = 1200, OutputTokens = 345,
            InputCostUsd = 0.00300000m, OutputCostUsd = 0.00345678m, Status = Grains.Abstractions.Sessions.ModelRequestStatus.Fallback,
            ErrorCode = "rate_limited", ErrorMessage = "429 from primary", FunctionCallsJson = """[{"name":"search"}]""",
            FunctionResultsJson = """{"ok":true}""", ContextWindowUsed = 8000, Temperature = 0.7m, MaxTokens = 4096,
            WasFallback = true, OriginalModelId = "claude-opus", SelectionScore = 87.5m, SelectionReason = "cheapest healthy",
            RawRequestJson = """{"messages":[]}""", RawResponseJson = """{"choices":[]}""", MetadataJson = """{"team":"core"}""",
        };
        Assert.True(await log.AppendAsync(new ModelRequestRow(sessionId, userId, request)));

        var row = (await db.RowsAsync("""
            SELECT session_id, user_id, trace_id, parent_span_id, span_id, model_id, model_name, provider, task_type, priority,
                   requested_at, responded_at, latency_ms, input_tokens, output_tokens, total_tokens, input_cost_usd,
                   output_cost_usd, total_cost_usd, status, error_code, error_message, function_calls::text,
                   function_results::text, context_window_used, temperature, max_tokens, was_fallback, original_model_id,
                   selection_score, selection_reason, raw_request::text, raw_response::text, metadata::text
            FROM model_requests WHERE id = $1
            """, request.Id)).Single();
        Assert.Equal(new object?[]
        {
            sessionId, userId, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "00f067aa0ba902b8", "gpt-4o", "GPT-4o",
            "openai", "code", "high", requestedAt.UtcDateTime, requestedAt.AddMilliseconds(1234).UtcDateTime, 1234, 1200, 345,
            1545L, 0.00300000m, 0.00345678m, 0.00645678m, "fallback", "rate_limited", "429 from primary", """[{"name": "search"}]""",
            """{"ok": true}""", 8000, 0.70m, 4096, true, "claude-opus", 87.50m, "cheapest healthy", """{"messages": []}""",
            """{"choices": []}""", """{"team": "core"}""",
        }, row);
    }

    private static ModelRequestLog NewLog(NpgsqlDataSource dataSource, GroupCommitOptions options) =>
        new(dataSource, options, new CommitOptions(), NullLogger<ModelRequestLog>.Instance);

    private static async Task<(Guid SessionId, Guid UserId)> SeedSessionAsync(string database)
    {
        var userId = Guid.NewGuid();
        var sessionId = Guid.NewGuid();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var now = DateTimeOffset.UtcNow;
        await new LatticeLock.Storage.Users.UserRepository(dataSource).InsertAsync(
            new LatticeLock.Grains.Abstractions.Users.UserProfile(userId, $"{userId:N}@example.com", null, now, now), CancellationToken.None); // with its personal workspace
        await using var session = dataSource.CreateCommand("INSERT INTO sessions (id, user_id, workspace_id) VALUES ($1, $2, $2)");
        session.Parameters.AddWithValue(sessionId);
        session.Parameters.AddWithValue(userId);
        await session.ExecuteNonQueryAsync();
        return (sessionId, userId);
    }
}
