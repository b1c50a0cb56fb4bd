using System.Net;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Chat turns are idempotent by a client turn id (issue 13, item 8): a retry after a timeout returns the stored turn
/// with the same seq and appends nothing, whether the turn is still in the chat grain's memory or long out of it.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ChatTurnIdempotencyTests(ServersFixture servers)
{
    [Fact]
    public async Task A_retried_turn_returns_the_same_seq_and_is_stored_once()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var chat = (await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var first = Guid.NewGuid();

        var stored = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"hello","turn_id":"{{first}}"}""", HttpStatusCode.Created);
        var retried = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"hello","turn_id":"{{first}}"}""", HttpStatusCode.OK);
        Assert.Equal((1L, first.ToString(), stored["created_at"]!.ToString()), (retried["seq"]!.GetValue<long>(), retried["turn_id"]!.ToString(), retried["created_at"]!.ToString()));
        var reused = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"something else","turn_id":"{{first}}"}""", HttpStatusCode.Conflict);
        Assert.NotNull(reused["errors"]!["turn_id"]);

        // More turns than the grain keeps in memory (128), then a retry of the first: found by the insert's conflict.
        for (var i = 0; i < 130; i++)
            await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"assistant","content":"t{{i}}","turn_id":"{{Guid.NewGuid()}}"}""", HttpStatusCode.Created);
        var old = await api.SendAsync(HttpMethod.Post, $"/v1/chats/{chat}/turns", $$"""{"role":"user","content":"hello","turn_id":"{{first}}"}""", HttpStatusCode.OK);
        Assert.Equal(1L, old["seq"]!.GetValue<long>());

        // An Idempotency-Key header stands in for a turn id.
        using (var keyed = await RawAsync(env, key, $"/v1/chats/{chat}/turns", """{"role":"user","content":"keyed"}""", "turn-42"))
            Assert.Equal(HttpStatusCode.Created, keyed.StatusCode);
        using (var keyedAgain = await RawAsync(env, key, $"/v1/chats/{chat}/turns", """{"role":"user","content":"keyed"}""", "turn-42"))
        {
            Assert.Equal(HttpStatusCode.OK, keyedAgain.StatusCode);
            Assert.Contains("\"seq\":132", await keyedAgain.Content.ReadAsStringAsync());
        }

        await using var db = new Db(env.Database);
        Assert.Equal(132L, await db.ScalarAsync<long>("SELECT count(*) FROM chat_turns WHERE chat_id = $1", Guid.Parse(chat)));
        Assert.Equal(132L, await db.ScalarAsync<long>("SELECT max(seq) FROM chat_turns WHERE chat_id = $1", Guid.Parse(chat)));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM chat_turns WHERE turn_id = $1", first));
    }

    private static async Task<HttpResponseMessage> RawAsync(GatewayEnvironment env, string key, string path, string body, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return await env.Http.SendAsync(request);
    }
}
