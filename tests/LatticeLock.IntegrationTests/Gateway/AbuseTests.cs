using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Google.Protobuf;
using LatticeLock.Silo.Otlp.Proto;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Issue 20: one authenticated caller can neither crash or wedge a silo nor impersonate or silence another owner.
/// Each test attacks a real silo process with an ordinary key and checks the precise answer, what is stored, and that
/// the silo still answers afterwards.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AbuseTests(ServersFixture servers)
{
    [Fact]
    public async Task A_parent_chain_100000_deep_is_read_page_by_page_in_tree_order_and_the_silo_lives()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var traceId = NewTraceId();
        const int Depth = 100_000;
        await InsertSpansAsync(env.Database, userId, traceId, Depth, "CASE WHEN i = 1 THEN NULL ELSE i - 1 END");

        var api = env.Client(key);
        var seen = 0;
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}" + (cursor is null ? "" : $"?cursor={cursor}"), null, HttpStatusCode.OK);
            Assert.Equal(Depth, page["span_count"]!.GetValue<int>());
            var spans = page["spans"]!.AsArray();
            Assert.Equal(1000, spans.Count); // LatticeLock:Traces:MaxSpansPerPage
            foreach (var span in spans)
            {
                // Tree order of a chain: span k (1-based) at depth k - 1, its parent the span before it.
                Assert.Equal(seen, span!["depth"]!.GetValue<int>());
                Assert.Equal(SpanId(seen + 1), span["span_id"]!.GetValue<string>());
                Assert.Equal(seen == 0 ? null : SpanId(seen), span["parent_span_id"]?.GetValue<string>());
                seen++;
            }
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
            if (pages == 1)
            {
                // A span arriving mid-walk: the next pages come from the layout the first page made (its token is in
                // the cursor), so the walk stays one consistent snapshot and the trace is laid out once, not 100 times.
                await using var db = new Db(env.Database);
                await db.ExecuteAsync("""
                    INSERT INTO spans (user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                                       status_code, attributes, resource_id, events)
                    SELECT user_id, trace_id, $3, span_id, 'late', 1, start_unix_nano + 1, end_unix_nano, started_at, 1, '{}', resource_id, '[]'
                    FROM spans WHERE user_id = $1 AND trace_id = $2 AND span_id = $4
                    """, userId, traceId, SpanId(Depth + 1), SpanId(Depth));
            }
        } while (cursor is not null);
        Assert.Equal((Depth, 100), (seen, pages));
        // A new walk lays the trace out again and sees the late span.
        Assert.Equal(Depth + 1, (await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?limit=1", null, HttpStatusCode.OK))["span_count"]!.GetValue<int>());

        // Past the page limit, and a cursor this API never made: 400 naming the field.
        await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?limit=1001", null, HttpStatusCode.BadRequest);
        var forged = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?cursor=not-a-cursor", null, HttpStatusCode.BadRequest);
        Assert.NotNull(forged["errors"]!["cursor"]);
        await env.Client(null).SendAsync(HttpMethod.Get, "/health/live", null, HttpStatusCode.OK);
        Assert.False(env.Silo.HasExited);
    }

    [Fact]
    public async Task A_trace_of_a_million_spans_is_read_within_bounded_memory()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read");
        var traceId = NewTraceId();
        const int Spans = 1_000_000;
        // A ten-way tree: span 1 is the root, span i's parent is span (i + 8) / 10.
        await InsertSpansAsync(env.Database, userId, traceId, Spans, "CASE WHEN i = 1 THEN NULL ELSE (i + 8) / 10 END");
        var before = env.Silo.PeakResidentBytes;

        var api = env.Client(key);
        var first = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal(Spans, first["span_count"]!.GetValue<int>());
        var spans = first["spans"]!.AsArray();
        Assert.Equal(1000, spans.Count);
        // Depth first: the root, then its first child (2), that one's first child (12), and so on down.
        Assert.Equal([SpanId(1), SpanId(2), SpanId(12), SpanId(112), SpanId(1112)], spans.Take(5).Select(s => s!["span_id"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2, 3, 4], spans.Take(5).Select(s => s!["depth"]!.GetValue<int>()));
        Assert.Equal(10, spans[0]!["child_count"]!.GetValue<int>());
        // Every span's depth is one more than its parent's, wherever the parent is on the page.
        var depthOf = spans.ToDictionary(s => s!["span_id"]!.GetValue<string>(), s => s!["depth"]!.GetValue<int>());
        Assert.All(spans.Skip(1), s => Assert.Equal(depthOf[s!["parent_span_id"]!.GetValue<string>()] + 1, s["depth"]!.GetValue<int>()));
        var second = await api.SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}?cursor={first["next_cursor"]!.GetValue<string>()}", null, HttpStatusCode.OK);
        Assert.Equal(1000, second["spans"]!.AsArray().Count);
        Assert.DoesNotContain(second["spans"]!.AsArray().Select(s => s!["span_id"]!.GetValue<string>()), depthOf.Keys.Contains);

        var peak = env.Silo.PeakResidentBytes;
        Console.WriteLine($"million-span trace: silo peak resident memory {before / 1048576} MiB before the reads, {peak / 1048576} MiB after");
        Assert.True(peak < 2L * 1024 * 1024 * 1024, $"the silo's peak resident memory reached {peak / 1048576} MiB reading a million-span trace");
        await env.Client(null).SendAsync(HttpMethod.Get, "/health/live", null, HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_amplified_export_is_answered_at_once_with_partial_success_and_its_resource_is_stored_once()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");

        // The attack of the issue: a 3 MiB resource attribute over 20,000 small spans (was tens of GB of jsonb in one COPY).
        var traceId = NewTraceId();
        var amplified = Export(traceId, 20_000, resourceValueBytes: 3 * 1024 * 1024);
        var answer = await PostAsync(env, key, amplified);
        Assert.Equal(20_000, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("LatticeLock__Otlp__MaxAttributeValueBytes", answer.PartialSuccess.ErrorMessage);

        // Under the value limit, over the span limit: 10,000 stored, 2,000 refused naming the setting, one resource row.
        var second = NewTraceId();
        answer = await PostAsync(env, key, Export(second, 12_000, resourceValueBytes: 200 * 1024));
        Assert.Equal(2_000, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("LatticeLock__Otlp__MaxSpansPerExport", answer.PartialSuccess.ErrorMessage);
        await using var db = new Db(env.Database);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM spans WHERE user_id = $1 AND trace_id = $2", userId, traceId));
        Assert.Equal(10_000L, await db.ScalarAsync<long>("SELECT count(*) FROM spans WHERE user_id = $1 AND trace_id = $2", userId, second));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM span_resources WHERE user_id = $1", userId));
        // The 200 KiB value is stored once, not 10,000 times.
        Assert.True(await db.ScalarAsync<long>("SELECT pg_total_relation_size('span_resources')") < 2 * 1024 * 1024);

        // Too many attributes on one span, too many events, nesting too deep: that span alone is refused.
        var mixed = Export(NewTraceId(), 3, resourceValueBytes: 16);
        var spans = mixed.ResourceSpans[0].ScopeSpans[0].Spans;
        for (var i = 0; i < 300; i++) spans[0].Attributes.Add(new KeyValue { Key = $"k{i}", Value = new AnyValue { IntValue = i } });
        var nested = new AnyValue { StringValue = "leaf" };
        for (var i = 0; i < 12; i++) nested = new AnyValue { ArrayValue = new ArrayValue { Values = { nested } } };
        spans[1].Attributes.Add(new KeyValue { Key = "deep", Value = nested });
        answer = await PostAsync(env, key, mixed);
        Assert.Equal(2, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("LatticeLock__Otlp__MaxAttributesPerSpan", answer.PartialSuccess.ErrorMessage);
        Assert.Contains("LatticeLock__Otlp__MaxAttributeDepth", answer.PartialSuccess.ErrorMessage);
        await env.Client(null).SendAsync(HttpMethod.Get, "/health/live", null, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_owner_exporting_the_same_trace_and_span_first_neither_blocks_nor_silences_the_owner()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (victimId, victim) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var (_, attacker) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var traceId = NewTraceId();

        // The attacker saw the victim's traceparent and exports the very same LLM span first, with other numbers.
        var forged = Export(traceId, 1, resourceValueBytes: 16, llmInputTokens: 999_999);
        Assert.Null((await PostAsync(env, attacker, forged)).PartialSuccess);
        var victims = Export(traceId, 1, resourceValueBytes: 16, llmInputTokens: 1200);
        Assert.Null((await PostAsync(env, victim, victims)).PartialSuccess); // no "belongs to another user", no "duplicate"

        var mine = await env.Client(victim).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        var span = Assert.Single(mine["spans"]!.AsArray())!;
        Assert.Equal(1200, span["model_request"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(victimId, mine["user_id"]!.GetValue<Guid>());
        var session = await env.Client(victim).SendAsync(HttpMethod.Get, $"/v1/sessions/{mine["session_id"]!.GetValue<Guid>()}", null, HttpStatusCode.OK);
        Assert.Equal((1L, 1200L), (session["request_count"]!.GetValue<long>(), session["input_tokens"]!.GetValue<long>()));
        var theirs = await env.Client(attacker).SendAsync(HttpMethod.Get, $"/v1/traces/{traceId}", null, HttpStatusCode.OK);
        Assert.Equal(999_999, Assert.Single(theirs["spans"]!.AsArray())!["model_request"]!["input_tokens"]!.GetValue<int>());
        Assert.NotEqual(span["model_request"]!["id"]!.GetValue<Guid>(), theirs["spans"]![0]!["model_request"]!["id"]!.GetValue<Guid>());

        // The victim's re-export is a retry of its own: stored once, counted once.
        Assert.Null((await PostAsync(env, victim, victims)).PartialSuccess);
        session = await env.Client(victim).SendAsync(HttpMethod.Get, $"/v1/sessions/{mine["session_id"]!.GetValue<Guid>()}", null, HttpStatusCode.OK);
        Assert.Equal(1L, session["request_count"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_repeated_id_with_other_content_is_409_naming_the_id_never_a_silent_duplicate()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var (_, other) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var secondSession = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var otherSession = (await env.Client(other).SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var at = DateTimeOffset.UtcNow.AddSeconds(-5).ToString("O");
        string Body(string id, string sessionId, int tokens, string metadata = """{"a": 1}""") => $$"""
            {"id":"{{id}}","session_id":"{{sessionId}}","model_id":"gpt-4o","provider":"openai","requested_at":"{{at}}",
             "input_tokens":{{tokens}},"output_tokens":5,"status":"success","metadata":{{metadata}}}
            """;

        var id = Guid.NewGuid().ToString();
        await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(id, session, 10), HttpStatusCode.Created);
        await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(id, session, 10, """{ "a" :1 }"""), HttpStatusCode.OK); // same content, other whitespace
        var changed = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(id, session, 11), HttpStatusCode.Conflict);
        Assert.Contains("other content", changed["errors"]!["id"]![0]!.GetValue<string>());
        await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(id, secondSession, 10), HttpStatusCode.Conflict);
        await env.Client(other).SendAsync(HttpMethod.Post, "/v1/model-requests", Body(id, otherSession, 10), HttpStatusCode.Conflict);
        var batch = await api.SendAsync(HttpMethod.Post, "/v1/model-requests/batch", $$"""{"requests":[{{Body(id, session, 12)}}]}""", HttpStatusCode.OK);
        Assert.Equal((0, 1, 409, "id"), (batch["duplicates"]!.GetValue<int>(), batch["rejected"]!.GetValue<int>(),
            batch["results"]![0]!["http_status"]!.GetValue<int>(), batch["results"]![0]!["field"]!.GetValue<string>()));

        // An id derived from Idempotency-Key: the header is what the 409 names.
        var keyed = $"job-{Guid.NewGuid():N}";
        string Unnamed(int tokens) => Body(Guid.Empty.ToString(), session, tokens).Replace($"\"id\":\"{Guid.Empty}\",", "", StringComparison.Ordinal);
        await SendWithKeyAsync(env, key, keyed, Unnamed(10), HttpStatusCode.Created);
        await SendWithKeyAsync(env, key, keyed, Unnamed(10), HttpStatusCode.OK);
        var reused = await SendWithKeyAsync(env, key, keyed, Unnamed(20), HttpStatusCode.Conflict);
        Assert.NotNull(reused["errors"]!["Idempotency-Key"]);

        // A chat turn id reused with the same text but another model.
        var chat = (await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var turn = Guid.NewGuid();
        await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"assistant","content":"hi","model":"gpt-4o","turn_id":"{{turn}}"}""", HttpStatusCode.Created);
        var turnConflict = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"assistant","content":"hi","model":"gpt-4o-mini","turn_id":"{{turn}}"}""", HttpStatusCode.Conflict);
        Assert.NotNull(turnConflict["errors"]!["turn_id"]);

        // Nothing of the refused repeats was stored or counted.
        await using var db = new Db(env.Database);
        Assert.Equal(10L, await db.ScalarAsync<long>("SELECT input_tokens::bigint FROM model_requests WHERE id = $1", Guid.Parse(id)));
        var summary = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK);
        Assert.Equal((2L, 20L), (summary["request_count"]!.GetValue<long>(), summary["input_tokens"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Keys_need_keys_write_form_a_tree_that_revokes_together_and_are_capped_per_user()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?> { ["LatticeLock__Auth__MaxActiveKeysPerUser"] = "4" });
        var (userId, readOnly) = await env.NewUserWithKeyAsync("sessions:read");
        string KeyBody(params string[] scopes) => System.Text.Json.JsonSerializer.Serialize(new { name = "k", scopes });

        // A read-only key mints nothing.
        var refused = await env.Client(readOnly).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:read"), HttpStatusCode.Forbidden);
        Assert.Contains("keys:write", refused["detail"]!.GetValue<string>());

        // admin → root (keys:write) → child (keys:write) → grandchild; each records its creator.
        var root = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:read", "keys:write"), HttpStatusCode.Created);
        var child = await env.Client(root["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:read", "keys:write"), HttpStatusCode.Created);
        var grandchild = await env.Client(child["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:read"), HttpStatusCode.Created);
        // A child cannot get more than its creator holds.
        await env.Client(child["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:write"), HttpStatusCode.Forbidden);
        var listed = (await env.Client(env.AdminKey).SendAsync(HttpMethod.Get, $"/v1/users/{userId}/api-keys", null, HttpStatusCode.OK)).AsArray();
        Assert.Equal(root["id"]!.GetValue<Guid>(), listed.Single(k => k!["id"]!.GetValue<Guid>() == child["id"]!.GetValue<Guid>())!["created_by"]!.GetValue<Guid>());
        Assert.Equal(child["id"]!.GetValue<Guid>(), listed.Single(k => k!["id"]!.GetValue<Guid>() == grandchild["id"]!.GetValue<Guid>())!["created_by"]!.GetValue<Guid>());

        // The quota: four active keys (the read-only one, root, child, grandchild); a fifth is 409 naming the setting.
        var quota = await env.Client(root["key"]!.GetValue<string>()).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys", KeyBody("sessions:read"), HttpStatusCode.Conflict);
        Assert.Contains("LatticeLock__Auth__MaxActiveKeysPerUser", quota["detail"]!.GetValue<string>());

        // Revoking the child (with the root key) revokes the grandchild too; the root still works.
        await env.Client(root["key"]!.GetValue<string>()).SendAsync(HttpMethod.Delete, $"/v1/api-keys/{child["id"]}", null, HttpStatusCode.NoContent);
        foreach (var revoked in new[] { child, grandchild })
        {
            var status = await Eventually.Until(async () => (await env.Client(revoked["key"]!.GetValue<string>()).RawAsync(HttpMethod.Get, $"/v1/users/{userId}")).StatusCode,
                s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), what: "a revoked key refused");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
        await env.Client(root["key"]!.GetValue<string>()).SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.OK);
        await using var db = new Db(env.Database);
        var events = await db.RowsAsync("SELECT outcome, reason FROM auth_events WHERE user_id = $1 ORDER BY id", userId);
        Assert.Equal(4, events.Count(e => (string)e[0]! == "created" && ((string)e[1]!).StartsWith("created by ll_", StringComparison.Ordinal)));
        Assert.Equal(2, events.Count(e => (string)e[0]! == "revoked"));
        Assert.Contains(events, e => (string)e[0]! == "revoked" && ((string)e[1]!).Contains("the key it was made from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_past_its_rate_gets_429_with_retry_after_and_other_keys_are_served()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?>
        {
            ["LatticeLock__Auth__KeyRequestsPerSecond"] = "5",
            ["LatticeLock__Auth__KeyBurstSeconds"] = "1",
        });
        var (userId, greedy) = await env.NewUserWithKeyAsync("sessions:read");
        var (otherId, other) = await env.NewUserWithKeyAsync("sessions:read");
        var statuses = new List<HttpStatusCode>();
        string? refusal = null;
        string? retryAfter = null;
        for (var i = 0; i < 30; i++)
        {
            using var response = await env.Client(greedy).RawAsync(HttpMethod.Get, $"/v1/users/{userId}");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refusal ??= await response.Content.ReadAsStringAsync();
                retryAfter ??= response.Headers.RetryAfter?.ToString();
            }
        }
        // The bucket holds one second of requests (5); 30 requests sent back to back cannot all fit.
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"answered {(int)s}"));
        Assert.Contains("LatticeLock__Auth__KeyRequestsPerSecond", refusal);
        Assert.False(string.IsNullOrEmpty(retryAfter));
        // Another key is not charged for the first one's requests.
        await env.Client(other).SendAsync(HttpMethod.Get, $"/v1/users/{otherId}", null, HttpStatusCode.OK);
        // An admin may give a key its own, higher limit.
        var fast = await env.Client(env.AdminKey).SendAsync(HttpMethod.Post, $"/v1/users/{userId}/api-keys",
            """{"name":"fast","scopes":["sessions:read"],"rate_limit_per_second":100000}""", HttpStatusCode.Created);
        for (var i = 0; i < 30; i++) await env.Client(fast["key"]!.GetValue<string>()).SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_health_probe_flood_costs_one_round_of_queries_a_second_and_details_are_for_admins_and_loopback()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?> { ["LatticeLock__Auth__KnownProxies"] = "127.0.0.1" });
        await using var db = new Db(env.Database);
        const string Reads = "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'schema_migrations'";
        await Task.Delay(1500);
        var before = await db.ScalarAsync<long>(Reads);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 400).Select(async _ => (await env.Http.GetAsync("/health/ready")).StatusCode));
        var seconds = watch.Elapsed.TotalSeconds;
        Assert.All(answers, s => Assert.Equal(HttpStatusCode.OK, s));
        await Task.Delay(2500); // table statistics reach pg_stat_user_tables once the backends are idle
        var rounds = await db.ScalarAsync<long>(Reads) - before;
        Console.WriteLine($"health flood: 400 probes in {seconds:0.00} s, {rounds} readiness rounds");
        Assert.True(rounds <= Math.Ceiling(seconds) + 2, $"{rounds} readiness rounds for 400 probes in {seconds:0.00} s");

        // From loopback: details. Through the trusted proxy for an outside client: statuses only, unless with an admin key.
        var local = System.Text.Json.Nodes.JsonNode.Parse(await env.Http.GetStringAsync("/health/ready"))!;
        Assert.NotNull(local["checks"]!["ready"]!["data"]!["postgres_primary"]);
        var outside = await ForwardedAsync(env, null);
        Assert.Equal("healthy", outside["status"]!.GetValue<string>());
        Assert.Null(outside["checks"]!["ready"]!["data"]);
        Assert.Null(outside["checks"]!["ready"]!["description"]);
        Assert.DoesNotContain("127.0.0.1", outside.ToJsonString());
        var (_, plain) = await env.NewUserWithKeyAsync("sessions:read");
        Assert.Null((await ForwardedAsync(env, plain))["checks"]!["ready"]!["data"]);
        Assert.NotNull((await ForwardedAsync(env, env.AdminKey))["checks"]!["ready"]!["data"]);
    }

    [Fact]
    public async Task Sixty_four_analytics_calls_stay_in_their_own_pool_while_every_write_is_acknowledged()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write", "analytics:read");
        var api = env.Client(key);
        var sessions = new List<string>();
        for (var i = 0; i < 8; i++) sessions.Add((await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString());
        string Request(int i) => $$"""{"session_id":"{{sessions[i % sessions.Count]}}","model_id":"m{{i % 5}}","provider":"p","task_type":"code","requested_at":"{{DateTimeOffset.UtcNow.AddSeconds(-1):O}}","latency_ms":{{100 + i % 900}},"input_tokens":10,"status":"success"}""";

        async Task<List<double>> WritesAsync(int writers, int each)
        {
            var latencies = new List<double>();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
            {
                for (var i = 0; i < each; i++)
                {
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    using var response = await api.RawAsync(HttpMethod.Post, "/v1/model-requests", Request(w * each + i));
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                    lock (latencies) latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
            }));
            return latencies;
        }

        await WritesAsync(16, 20); // warm-up, and rows for the leaderboard to read
        var quiet = await WritesAsync(16, 40);

        await using var db = new Db(env.Database);
        var database = new Npgsql.NpgsqlConnectionStringBuilder(env.Database).Database!;
        using var stop = new CancellationTokenSource();
        var analyticsAnswers = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var flood = Enumerable.Range(0, 64).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await api.RawAsync(HttpMethod.Get, "/v1/analytics/models?sort=requests");
                analyticsAnswers.Add(response.StatusCode);
            }
        }).ToList();
        var peakAnalyticsConnections = 0L;
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakAnalyticsConnections = Math.Max(peakAnalyticsConnections, await db.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'latticelock-analytics'", database));
                await Task.Delay(20);
            }
        });
        var answeredBeforeWrites = await Eventually.Until(() => Task.FromResult(analyticsAnswers.Count), n => n >= 64, TimeSpan.FromSeconds(60), what: "the analytics flood under way");
        Assert.True(answeredBeforeWrites >= 64, $"only {answeredBeforeWrites} analytics answers before the flooded writes");
        var flooded = await WritesAsync(16, 40);
        await stop.CancelAsync();
        await Task.WhenAll(flood);
        await sampling;

        static double P99(List<double> values) => values.Order().ElementAt((int)Math.Ceiling(values.Count * 0.99) - 1);
        Console.WriteLine($"analytics flood: write P99 {P99(quiet):0.0} ms without, {P99(flooded):0.0} ms with 64 analytics callers " +
            $"({analyticsAnswers.Count} analytics answers: {string.Join(", ", analyticsAnswers.GroupBy(a => (int)a).OrderBy(g => g.Key).Select(g => $"{g.Count()}×{g.Key}"))}); " +
            $"at most {peakAnalyticsConnections} analytics connections");
        // Every write was acknowledged (asserted in WritesAsync); analytics never held more than their pool; they were
        // answered 200 or told to retry (503), never 500.
        Assert.InRange(peakAnalyticsConnections, 1, 4);
        Assert.All(analyticsAnswers, a => Assert.True(a is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"analytics answered {(int)a}"));
        Assert.Contains(HttpStatusCode.OK, analyticsAnswers);
    }

    private static async Task<JsonNode> ForwardedAsync(GatewayEnvironment env, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await env.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static async Task<JsonNode> SendWithKeyAsync(GatewayEnvironment env, string key, string idempotencyKey, string body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/model-requests") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await env.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<ExportTraceServiceResponse> PostAsync(GatewayEnvironment env, string key, ExportTraceServiceRequest export)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/otlp/v1/traces") { Content = new ByteArrayContent(export.ToByteArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await env.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"export answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>An export of <paramref name="spans"/> spans of one trace under one resource; with tokens, the first span is an LLM call.</summary>
    private static ExportTraceServiceRequest Export(string traceId, int spans, int resourceValueBytes, int? llmInputTokens = null)
    {
        var start = (ulong)(DateTime.UtcNow.AddMinutes(-1) - DateTime.UnixEpoch).Ticks * 100;
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "abuse" } };
        for (var i = 1; i <= spans; i++)
        {
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
                SpanId = ByteString.CopyFrom(Convert.FromHexString(SpanId(i))),
                Name = $"s{i}",
                Kind = Span.Types.SpanKind.Internal,
                StartTimeUnixNano = start + (ulong)i,
                EndTimeUnixNano = start + 1_000_000 + (ulong)i,
            };
            if (i == 1 && llmInputTokens is { } tokens)
            {
                span.Attributes.Add(new KeyValue { Key = "gen_ai.operation.name", Value = new AnyValue { StringValue = "chat" } });
                span.Attributes.Add(new KeyValue { Key = "gen_ai.provider.name", Value = new AnyValue { StringValue = "openai" } });
                span.Attributes.Add(new KeyValue { Key = "gen_ai.request.model", Value = new AnyValue { StringValue = "gpt-4o" } });
                span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = tokens } });
                span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.output_tokens", Value = new AnyValue { IntValue = 10 } });
            }
            scope.Spans.Add(span);
        }
        var resource = new ResourceSpans { Resource = new Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "blob", Value = new AnyValue { StringValue = new string('r', resourceValueBytes) } });
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    /// <summary>Stores <paramref name="count"/> spans of one trace of the user straight into the tables (as the span log would), parents by SQL expression over i.</summary>
    private static async Task InsertSpansAsync(string database, Guid userId, string traceId, int count, string parentOfI)
    {
        await using var db = new Db(database);
        var start = (DateTimeOffset.UtcNow.AddHours(-1) - DateTimeOffset.UnixEpoch).Ticks * 100;
        await db.ExecuteAsync("INSERT INTO traces (user_id, trace_id, workspace_id) VALUES ($1, $2, $1)", userId, traceId);
        await db.ExecuteAsync("INSERT INTO span_resources (user_id, resource_id, attributes) VALUES ($1, sha256('{}'::bytea), '{}')", userId);
        await db.ExecuteAsync($$"""
            INSERT INTO spans (user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                               status_code, attributes, resource_id, events)
            SELECT $1, $2, lpad(to_hex(i), 16, '0'), lpad(to_hex({{parentOfI}}), 16, '0'), 'step ' || i, 1,
                   $3 + i * 1000, $3 + 3600000000000 - i * 1000, to_timestamp(($3 + i * 1000) / 1e9), 1, '{}', sha256('{}'::bytea), '[]'
            FROM generate_series(1, {{count}}) i
            """, userId, traceId, start);
    }

    private static string SpanId(int i) => i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static string NewTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}
