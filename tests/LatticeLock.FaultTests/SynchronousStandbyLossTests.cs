using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LatticeLock.Storage;
using Xunit.Abstractions;

namespace LatticeLock.FaultTests;

/// <summary>
/// The synchronous standby stops while the primary lives, under each <c>LatticeLock:Replication:SynchronousStandbyLoss</c>:
/// Block refuses to acknowledge (503) what only the primary holds and resumes when the standby is back; Degrade
/// clears the primary's synchronous_standby_names, acknowledges from the primary alone, and puts it back when the
/// standby streams again.
/// </summary>
public sealed class SynchronousStandbyLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Block_answers_503_while_no_synchronous_standby_streams_even_to_a_repeat_and_a_retry_is_stored_once_when_it_is_back()
    {
        await using var cluster = await FaultCluster.StartAsync("sync_block", 1,
            new() { ["LatticeLock__Commit__Timeout"] = "00:00:03" }, server: "postgres-replicated");
        using var api = ClusterApi.Client(cluster);
        var (session, chat) = await SessionAndChatAsync(api);
        var id = Guid.NewGuid();
        var turnId = Guid.NewGuid();
        // A project with a budget: a reservation is an acknowledged write like the others (issue 20, item 9).
        var project = JsonNode.Parse(await (await api.PostAsync("/v1/projects", ClusterApi.Json("""{"name":"reserve"}"""))).Content.ReadAsStringAsync())!["id"]!.ToString();
        using (var budget = await api.PutAsync($"/v1/projects/{project}/budget", ClusterApi.Json("""{"monthly_usd":10}""")))
            Assert.Equal(HttpStatusCode.OK, budget.StatusCode);

        await cluster.Postgres.RunVerbAsync("stop-standby");
        // A reservation granted now could be lost with the primary: not acknowledged.
        using (var refused = await api.PostAsync($"/v1/projects/{project}/budget/reservations", ClusterApi.Json("""{"estimated_cost_usd":1}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        using (var refused = await api.PostAsync("/v1/model-requests", ClusterApi.Json(Request(id, session))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains(id.ToString(), await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var refused = await api.PostAsync($"/v1/chats/{chat}/turns", ClusterApi.Json(Turn(turnId))))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("standby", await SettingAsync(cluster)); // nothing changed the primary's setting

        // The refused turn's commit was cancelled by its limit, so PostgreSQL ended its wait and it is committed on the
        // primary alone (the refused request's commit may still be waiting, invisible). A retry finds the turn stored,
        // writes nothing, and must still not be acknowledged before a synchronous standby holds it: else losing the
        // primary would lose an acknowledged turn.
        Assert.Equal(1L, await CountAsync(cluster, $"SELECT count(*) FROM chat_turns WHERE turn_id = '{turnId}'"));
        using (var repeated = await api.PostAsync("/v1/model-requests", ClusterApi.Json(Request(id, session))))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, repeated.StatusCode);
        using (var repeated = await api.PostAsync($"/v1/chats/{chat}/turns", ClusterApi.Json(Turn(turnId))))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, repeated.StatusCode);
        // Entity writes too: a session started now is not acknowledged while only the primary could hold it.
        var sessionsBefore = await CountAsync(cluster, "SELECT count(*) FROM sessions");
        using (var refused = await api.PostAsync("/v1/sessions", ClusterApi.Json("{}")))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        output.WriteLine($"sessions on the primary after the refused start: {await CountAsync(cluster, "SELECT count(*) FROM sessions") - sessionsBefore}");

        await cluster.Postgres.RunVerbAsync("start-standby");
        Assert.Equal(1, await Eventually.Until(() => SynchronousStreamingAsync(cluster), n => n == 1, TimeSpan.FromSeconds(60), what: "one synchronous standby streaming again"));
        using (var retried = await api.PostAsync("/v1/model-requests", ClusterApi.Json(Request(id, session))))
            Assert.True(retried.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"retry answered {(int)retried.StatusCode}");
        using (var retried = await api.PostAsync($"/v1/chats/{chat}/turns", ClusterApi.Json(Turn(turnId))))
            Assert.True(retried.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"turn retry answered {(int)retried.StatusCode}");
        Assert.Equal(1L, await CountAsync(cluster, $"SELECT count(*) FROM model_requests WHERE id = '{id}'"));
        // The refused reservation holds nothing (its grain reloaded what is stored, the committed-alone row at most)
        // and a new one is granted once the standby streams.
        using (var granted = await api.PostAsync($"/v1/projects/{project}/budget/reservations", ClusterApi.Json("""{"estimated_cost_usd":1}""")))
            Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        Assert.Equal(1L, await CountAsync(cluster, $"SELECT count(*) FROM chat_turns WHERE turn_id = '{turnId}'"));
        var summary = JsonNode.Parse(await api.GetStringAsync($"/v1/sessions/{session}"))!;
        output.WriteLine($"summary {summary.ToJsonString()}; rows {await CountAsync(cluster, $"SELECT count(*) FROM model_requests WHERE session_id = '{session}'")}");
        Assert.Equal(1, summary["request_count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Degrade_clears_synchronous_standby_names_acknowledges_from_the_primary_and_restores_it_when_the_standby_is_back()
    {
        await using var cluster = await FaultCluster.StartAsync("sync_degrade", 1, new()
        {
            ["LatticeLock__Replication__SynchronousStandbyLoss"] = "Degrade",
            ["LatticeLock__Replication__SynchronousStandbyNames"] = "standby",
            ["LatticeLock__Replication__CheckInterval"] = "00:00:00.500",
        }, server: "postgres-replicated");
        using var api = ClusterApi.Client(cluster);
        var (session, chat) = await SessionAndChatAsync(api);

        await cluster.Postgres.RunVerbAsync("stop-standby");
        var watch = Stopwatch.StartNew();
        var id = Guid.NewGuid();
        using (var stored = await api.PostAsync("/v1/model-requests", ClusterApi.Json(Request(id, session))))
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode); // waits at most until a silo has degraded
        output.WriteLine($"first write after the standby stopped acknowledged in {watch.Elapsed.TotalSeconds:0.000} s");
        using (var stored = await api.PostAsync($"/v1/chats/{chat}/turns", ClusterApi.Json(Turn(Guid.NewGuid()))))
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal("", await SettingAsync(cluster));

        await cluster.Postgres.RunVerbAsync("start-standby");
        Assert.Equal("standby", await Eventually.Until(() => SettingAsync(cluster), names => names == "standby", TimeSpan.FromSeconds(60), what: "synchronous_standby_names restored"));
        Assert.Equal(1, await Eventually.Until(() => SynchronousStreamingAsync(cluster), n => n == 1, TimeSpan.FromSeconds(60), what: "one synchronous standby streaming again"));
        using (var stored = await api.PostAsync("/v1/model-requests", ClusterApi.Json(Request(Guid.NewGuid(), session))))
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(1L, await CountAsync(cluster, $"SELECT count(*) FROM model_requests WHERE id = '{id}'"));
    }

    private static async Task<(string Session, string Chat)> SessionAndChatAsync(HttpClient api)
    {
        var session = await ClusterApi.NewSessionAsync(api);
        var chat = JsonNode.Parse(await (await api.PostAsync($"/v1/sessions/{session}/chats", ClusterApi.Json("""{"title":"t"}"""))).Content.ReadAsStringAsync())!["id"]!.ToString();
        return (session, chat);
    }

    /// <summary>One fixed time for every request of the class: a retry must repeat its body exactly (a changed one is a reused id, 409).</summary>
    private static readonly DateTimeOffset RequestedAt = DateTimeOffset.UtcNow.AddSeconds(-1);

    private static string Request(Guid id, string session) =>
        $$"""{"id":"{{id}}","session_id":"{{session}}","model_id":"m","provider":"openai","requested_at":"{{RequestedAt:O}}","input_tokens":10,"input_cost_usd":0.001,"status":"success"}""";

    private static string Turn(Guid turnId) => $$"""{"turn_id":"{{turnId}}","role":"user","content":"hello"}""";

    private static async Task<string> SettingAsync(FaultCluster cluster)
    {
        await using var sources = new PostgresDataSources(cluster.Database);
        await using var command = sources.Primary.CreateCommand("SELECT current_setting('synchronous_standby_names')");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> SynchronousStreamingAsync(FaultCluster cluster) =>
        await CountAsync(cluster, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'");

    private static async Task<long> CountAsync(FaultCluster cluster, string sql)
    {
        await using var sources = new PostgresDataSources(cluster.Database);
        await using var command = sources.Primary.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
