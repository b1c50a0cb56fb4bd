using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Retention against a real silo whose job runs every 2 s: a workspace owner (not an admin) sets how long the team
/// keeps model requests, spans and chat turns. A month holding only the team's expired rows is dropped as a partition
/// (gone from the catalogue); a month shared with another workspace loses only the team's rows (requests and spans, in
/// batches); chat turns older than
/// the setting go, and the chat numbers its next turn after the removed ones. Session totals and cost aggregates stay
/// as they were, and requests recorded while the job runs are all kept.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class RetentionTests(ServersFixture servers)
{
    private static readonly string[] Scopes = ["projects:read", "projects:write", "sessions:read", "sessions:write"];

    [Fact]
    public async Task Expired_rows_go_by_partition_drop_or_in_batches_while_totals_aggregates_and_ingest_stay_right()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?>
        {
            ["Retention__Interval"] = "00:00:02",
            ["Retention__BatchSize"] = "100",
        });
        await using var db = new Db(env.Database);
        var (_, ownerKey) = await env.NewUserWithKeyAsync(Scopes);
        var (adminId, adminKey) = await env.NewUserWithKeyAsync(Scopes);
        var (otherId, otherKey) = await env.NewUserWithKeyAsync(Scopes);
        var owner = env.Client(ownerKey);
        var other = env.Client(otherKey);
        var team = (await owner.SendAsync(HttpMethod.Post, "/v1/workspaces", """{"name":"Forgetful"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        await owner.SendAsync(HttpMethod.Post, $"/v1/workspaces/{team}/members", $$"""{"user_id":"{{adminId}}","role":"admin"}""", HttpStatusCode.Created);
        var teamSession = (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{team}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var otherSession = (await other.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"workspace_id":"{{otherId}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        // Two old months, each with its own partitions, as partition maintenance made them when those months were current.
        var now = DateTimeOffset.UtcNow;
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var teamOnlyMonth = thisMonth.AddMonths(-5);
        var sharedMonth = thisMonth.AddMonths(-3);
        foreach (var month in new[] { teamOnlyMonth, sharedMonth })
        {
            await db.ExecuteAsync("SELECT ensure_monthly_partition('model_requests', 'requested_at', $1::date)", month.UtcDateTime.Date);
            await db.ExecuteAsync("SELECT ensure_monthly_partition('spans', 'started_at', $1::date)", month.UtcDateTime.Date);
        }
        string Partition(string table, DateTimeOffset month) => $"{table}_{month.ToString("yyyy_MM", CultureInfo.InvariantCulture)}";

        var n = 0;
        async Task RecordAsync(ApiClient client, Guid session, DateTimeOffset at) =>
            await client.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
                {"session_id":"{{session}}","model_id":"gpt-retained","provider":"openai","requested_at":"{{at:O}}","input_tokens":{{100 + ++n}},
                 "output_tokens":50,"input_cost_usd":0.00012345,"output_cost_usd":0.00006789,"status":"success"}
                """, HttpStatusCode.Created);
        for (var i = 0; i < 30; i++) await RecordAsync(owner, teamSession, teamOnlyMonth.AddDays(2).AddMinutes(i));
        for (var i = 0; i < 20; i++) await RecordAsync(owner, teamSession, sharedMonth.AddDays(3).AddMinutes(i));
        for (var i = 0; i < 15; i++) await RecordAsync(other, otherSession, sharedMonth.AddDays(4).AddMinutes(i));
        for (var i = 0; i < 5; i++) await RecordAsync(owner, teamSession, now.AddMinutes(-i - 1));
        // Old requests of a project, recorded this month: its budget sums this month's rows, so they stay until it ends.
        var project = (await owner.SendAsync(HttpMethod.Post, "/v1/projects", $$"""{"name":"budgeted","workspace_id":"{{team}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var projectSession = (await owner.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{project}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        for (var i = 0; i < 4; i++) await RecordAsync(owner, projectSession, sharedMonth.AddDays(6).AddMinutes(i));
        var oldTrace = await PostSpansAsync(owner, teamSession, teamOnlyMonth.AddDays(2), spans: 3);
        // A trace's row (ids only) goes once its spans are gone and it was first seen before the cutoff: as if received then.
        await db.ExecuteAsync("UPDATE traces SET first_seen_at = $2 WHERE trace_id = $1", oldTrace, teamOnlyMonth.AddDays(2));
        var keptTrace = await PostSpansAsync(owner, teamSession, now.AddMinutes(-5), spans: 2);
        // The shared month's spans: the team's go in batches (its trace first seen then too), the other workspace's stay.
        var sharedTeamTrace = await PostSpansAsync(owner, teamSession, sharedMonth.AddDays(3), spans: 4);
        await db.ExecuteAsync("UPDATE traces SET first_seen_at = $2 WHERE trace_id = $1", sharedTeamTrace, sharedMonth.AddDays(3));
        var sharedOtherTrace = await PostSpansAsync(other, otherSession, sharedMonth.AddDays(3), spans: 3);

        // A chat with five turns, the first three of which are made 90 days old (the test's stand-in for time passing).
        var chat = (await owner.SendAsync(HttpMethod.Post, $"/v1/sessions/{teamSession}/chats", """{"title":"old talk"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        for (var i = 1; i <= 5; i++)
            await owner.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"turn {{i}}"}""", HttpStatusCode.Created);
        await db.ExecuteAsync("UPDATE chat_turns SET created_at = now() - interval '90 days' WHERE chat_id = $1 AND seq <= 3", chat);

        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT coalesce(sum(request_count), 0) = 59 FROM cost_aggregations WHERE workspace_id = '{team}'"));
        var sessionBefore = await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{teamSession}", null, HttpStatusCode.OK);
        Assert.Equal(55, sessionBefore["request_count"]!.GetValue<long>());
        var aggregatesBefore = await AggregatesAsync(db, team);

        // The settings: only an owner changes them; bad values are refused naming the field and change nothing.
        var workspace = await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.OK);
        Assert.Equal("""{"model_requests":null,"spans":null,"chat_turns":null}""", workspace["retention_days"]!.ToJsonString());
        var version = workspace["version"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture);
        const string Setting = """{"retention_days":{"model_requests":60,"spans":60,"chat_turns":30}}""";
        var forbidden = await env.Client(adminKey).RawAsync(HttpMethod.Patch, $"/v1/workspaces/{team}", Setting, ifMatch: version);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("owner", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var (body, field) in new[]
        {
            ("""{"retention_days":{"model_requests":0}}""", "retention_days.model_requests"),
            ("""{"retention_days":{"spans":3651}}""", "retention_days.spans"),
            ("""{"retention_days":{"chat_turns":"30"}}""", "retention_days.chat_turns"),
            ("""{"retention_days":{"metrics":30}}""", "retention_days.metrics"),
            ("""{"retention_days":30}""", "retention_days"),
        })
        {
            var refused = await owner.RawAsync(HttpMethod.Patch, $"/v1/workspaces/{team}", body, ifMatch: version);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM workspaces WHERE id = $1 AND retention_model_requests_days IS NOT NULL", team));

        // Ingest goes on while the job works: requests of both workspaces, acknowledged throughout.
        using var stop = new CancellationTokenSource();
        var acknowledged = new List<(Guid Session, DateTimeOffset At)>();
        var ingest = Task.Run(async () =>
        {
            var k = 0;
            while (!stop.IsCancellationRequested)
            {
                var at = now.AddSeconds(-(++k));
                await RecordAsync(owner, teamSession, at);
                acknowledged.Add((teamSession, at));
                var old = sharedMonth.AddDays(5).AddSeconds(k);
                await RecordAsync(other, otherSession, old);
                acknowledged.Add((otherSession, old));
            }
        });

        var set = await owner.SendAsync(HttpMethod.Patch, $"/v1/workspaces/{team}", Setting, HttpStatusCode.OK, ifMatch: version);
        Assert.Equal("""{"model_requests":60,"spans":60,"chat_turns":30}""", set["retention_days"]!.ToJsonString());
        Assert.Equal("""{"model_requests":60,"spans":60,"chat_turns":30}""",
            (await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}", null, HttpStatusCode.OK))["retention_days"]!.ToJsonString());

        // The team-only month goes as whole partitions; the shared month keeps the other workspace's rows.
        Assert.True(await Eventually.TrueInDatabaseAsync(db, $"""
            SELECT to_regclass('{Partition("model_requests", teamOnlyMonth)}') IS NULL AND to_regclass('{Partition("spans", teamOnlyMonth)}') IS NULL
               AND NOT EXISTS (SELECT 1 FROM model_requests WHERE workspace_id = '{team}' AND requested_at < now() - interval '60 days' AND project_id IS NULL)
               AND NOT EXISTS (SELECT 1 FROM chat_turns WHERE chat_id = '{chat}' AND seq <= 3)
               AND NOT EXISTS (SELECT 1 FROM traces WHERE trace_id = '{sharedTeamTrace}')
            """, seconds: 90));
        await Task.Delay(TimeSpan.FromSeconds(3)); // at least one more pass while requests keep coming
        stop.Cancel();
        await ingest;
        Assert.True(acknowledged.Count >= 2, $"ingest recorded {acknowledged.Count} requests while the job ran");

        var dropped = await db.RowsAsync("SELECT unnest(dropped_partitions) FROM retention_passes");
        Assert.Equal(new[] { Partition("model_requests", teamOnlyMonth), Partition("spans", teamOnlyMonth) }.Order(StringComparer.Ordinal),
            dropped.Select(r => (string)r[0]!).Order(StringComparer.Ordinal));
        Assert.NotNull(await db.ScalarAsync<string>("SELECT to_regclass($1)::text", Partition("model_requests", sharedMonth)));
        Assert.Equal(20L, await db.ScalarAsync<long>("SELECT sum(model_requests) FROM retention_passes"));
        Assert.Equal(15L + acknowledged.Count / 2, await db.ScalarAsync<long>(
            "SELECT count(*) FROM model_requests WHERE session_id = $1 AND requested_at >= $2 AND requested_at < $3", otherSession, sharedMonth, sharedMonth.AddMonths(1)));
        Assert.Equal(5L + acknowledged.Count / 2, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", teamSession));
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", projectSession));
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT held_back FROM retention_passes ORDER BY id DESC LIMIT 1"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM traces WHERE workspace_id = $1 AND trace_id <> $2", team, keptTrace));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM spans WHERE trace_id = $1", keptTrace));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM spans WHERE trace_id = $1", sharedTeamTrace));
        Assert.Equal(3L, await db.ScalarAsync<long>("SELECT count(*) FROM spans WHERE trace_id = $1", sharedOtherTrace));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM traces WHERE trace_id = $1", sharedOtherTrace));
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT sum(spans) FROM retention_passes"));

        // Totals and aggregates count what was deleted as before (plus what came in meanwhile).
        Assert.True(await Eventually.TrueInDatabaseAsync(db,
            $"SELECT coalesce(sum(request_count), 0) = {59 + acknowledged.Count / 2} FROM cost_aggregations WHERE workspace_id = '{team}'"));
        var sessionAfter = await owner.SendAsync(HttpMethod.Get, $"/v1/sessions/{teamSession}", null, HttpStatusCode.OK);
        Assert.Equal(55L + acknowledged.Count / 2, sessionAfter["request_count"]!.GetValue<long>());
        // What a new activation would load: the checkpoint plus the rows above its horizon.
        Assert.Equal(55L + acknowledged.Count / 2, await db.ScalarAsync<long>("""
            SELECT s.totals_request_count + (SELECT count(*) FROM model_requests m WHERE m.session_id = s.id AND m.xact_id >= s.totals_xmin)
            FROM sessions s WHERE s.id = $1
            """, teamSession));
        Assert.Equal(sessionBefore["total_cost_usd"]!.GetValue<decimal>() + acknowledged.Count / 2 * 0.00019134m, sessionAfter["total_cost_usd"]!.GetValue<decimal>());
        var aggregatesAfter = await AggregatesAsync(db, team, before: thisMonth);
        Assert.Equal(aggregatesBefore.Where(a => a.Key < DateOnly.FromDateTime(thisMonth.UtcDateTime)), aggregatesAfter);

        // The chat serves only its two recent turns and numbers the next one 6.
        var turns = (await owner.SendAsync(HttpMethod.Get, $"/v1/chats/{chat}/turns", null, HttpStatusCode.OK))["turns"]!.AsArray();
        Assert.Equal(new long[] { 4, 5 }, turns.Select(t => t!["seq"]!.GetValue<long>()));
        var next = await owner.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", """{"role":"assistant","content":"after"}""", HttpStatusCode.Created);
        Assert.Equal(6, next["seq"]!.GetValue<long>());

        // The operator's view: the team's settings and the passes that dropped its month.
        var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "retention", "status", "--passes", "1000");
        Assert.True(code == 0, output);
        Assert.Contains("Forgetful", output, StringComparison.Ordinal);
        Assert.Contains(Partition("model_requests", teamOnlyMonth), output, StringComparison.Ordinal);

        // The change is in the workspace's audit chain, by the owner.
        var audit = await owner.SendAsync(HttpMethod.Get, $"/v1/workspaces/{team}/audit", null, HttpStatusCode.OK);
        Assert.Contains(audit["entries"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "workspace.update"
            && e["changes"]!.ToJsonString().Contains("\"model_requests\":60", StringComparison.Ordinal));
    }

    /// <summary>Cost per day of the workspace's aggregates (before <paramref name="before"/> when given).</summary>
    private static async Task<Dictionary<DateOnly, decimal>> AggregatesAsync(Db db, Guid workspace, DateTimeOffset? before = null) =>
        (await db.RowsAsync("""
            SELECT aggregation_date, sum(total_cost_usd) FROM cost_aggregations
            WHERE workspace_id = $1 AND aggregation_date < $2 GROUP BY aggregation_date ORDER BY aggregation_date
            """, workspace, DateOnly.FromDateTime((before ?? DateTimeOffset.UtcNow.AddDays(1)).UtcDateTime)))
        .ToDictionary(r => (DateOnly)r[0]!, r => (decimal)r[1]!);

    private static async Task<string> PostSpansAsync(ApiClient client, Guid session, DateTimeOffset at, int spans)
    {
        var (trace, body) = OtlpSpanBodies.OneTrace(session, at.AddMilliseconds(1), spans);
        await client.SendAsync(HttpMethod.Post, "/otlp/v1/traces", body, HttpStatusCode.OK);
        return trace;
    }
}
