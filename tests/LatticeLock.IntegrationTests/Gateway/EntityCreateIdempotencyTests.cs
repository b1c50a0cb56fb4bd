using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Creating a user, project, session or chat is idempotent by a client-visible id: the body's <c>id</c>, or one an
/// <c>Idempotency-Key</c> header derives. A retry after a timeout answers with the stored entity and creates nothing;
/// an id reused for something else is 409 naming <c>id</c>; the same key from another user (or, for chats, on another
/// session) names another entity.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class EntityCreateIdempotencyTests(ServersFixture servers)
{
    [Fact]
    public async Task A_create_retried_with_the_same_id_or_idempotency_key_creates_one_entity()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (userId, key) = await env.NewUserWithKeyAsync("projects:read", "projects:write", "sessions:read", "sessions:write");
        var (_, otherKey) = await env.NewUserWithKeyAsync("projects:write", "sessions:write");
        await using var db = new Db(env.Database);

        // Users (admin): a header, then a body id.
        var email = $"idem-{Guid.NewGuid():N}@example.com";
        var user = await PostAsync(env, env.AdminKey, "/v1/users", $$"""{"email":"{{email}}"}""", "user-1", HttpStatusCode.Created);
        var userAgain = await PostAsync(env, env.AdminKey, "/v1/users", $$"""{"email":"{{email}}"}""", "user-1", HttpStatusCode.Created);
        Assert.Equal(user["id"]!.ToString(), userAgain["id"]!.ToString());
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM users WHERE lower(email) = lower($1)", email));
        var chosen = Guid.NewGuid();
        var byId = await PostAsync(env, env.AdminKey, "/v1/users", $$"""{"id":"{{chosen}}","email":"c-{{email}}"}""", null, HttpStatusCode.Created);
        Assert.Equal(chosen.ToString(), byId["id"]!.ToString());
        await PostAsync(env, env.AdminKey, "/v1/users", $$"""{"id":"{{chosen}}","email":"c-{{email}}"}""", null, HttpStatusCode.Created);
        var reused = await PostAsync(env, env.AdminKey, "/v1/users", $$"""{"id":"{{chosen}}","email":"d-{{email}}"}""", null, HttpStatusCode.Conflict);
        Assert.NotNull(reused["errors"]!["id"]);

        // Projects.
        var project = await PostAsync(env, key, "/v1/projects", """{"name":"p"}""", "project-1", HttpStatusCode.Created);
        var projectAgain = await PostAsync(env, key, "/v1/projects", """{"name":"p"}""", "project-1", HttpStatusCode.Created);
        Assert.Equal(project["id"]!.ToString(), projectAgain["id"]!.ToString());
        Assert.NotNull((await PostAsync(env, key, "/v1/projects", """{"name":"another"}""", "project-1", HttpStatusCode.Conflict))["errors"]!["id"]);
        var othersProject = await PostAsync(env, otherKey, "/v1/projects", """{"name":"p"}""", "project-1", HttpStatusCode.Created);
        Assert.NotEqual(project["id"]!.ToString(), othersProject["id"]!.ToString()); // keys are scoped by user
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM projects WHERE owner_id = $1", userId));

        // Sessions: the same key twice is one session; a body id another user holds is 409, revealing nothing else.
        var session = await PostAsync(env, key, "/v1/sessions", "{}", "session-1", HttpStatusCode.Created);
        var sessionAgain = await PostAsync(env, key, "/v1/sessions", "{}", "session-1", HttpStatusCode.Created);
        Assert.Equal(session["id"]!.ToString(), sessionAgain["id"]!.ToString());
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = $1", userId));
        var taken = await PostAsync(env, otherKey, "/v1/sessions", $$"""{"id":"{{session["id"]}}"}""", null, HttpStatusCode.Conflict);
        Assert.NotNull(taken["errors"]!["id"]);
        Assert.DoesNotContain(userId.ToString(), taken.ToJsonString(), StringComparison.Ordinal);

        // Chats: one per key and session; the same key on another session is another chat.
        var sessionId = session["id"]!.ToString();
        var chat = await PostAsync(env, key, $"/v1/sessions/{sessionId}/chats", """{"title":"t"}""", "chat-1", HttpStatusCode.Created);
        var chatAgain = await PostAsync(env, key, $"/v1/sessions/{sessionId}/chats", """{"title":"t"}""", "chat-1", HttpStatusCode.Created);
        Assert.Equal(chat["id"]!.ToString(), chatAgain["id"]!.ToString());
        var secondSession = (await PostAsync(env, key, "/v1/sessions", "{}", "session-2", HttpStatusCode.Created))["id"]!.ToString();
        var chatElsewhere = await PostAsync(env, key, $"/v1/sessions/{secondSession}/chats", """{"title":"t"}""", "chat-1", HttpStatusCode.Created);
        Assert.NotEqual(chat["id"]!.ToString(), chatElsewhere["id"]!.ToString());
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM chats WHERE session_id = $1", Guid.Parse(sessionId)));

        // A bad key or id is a 400 naming it, and creates nothing.
        Assert.NotNull((await PostAsync(env, key, "/v1/sessions", "{}", "bad key with spaces", HttpStatusCode.BadRequest))["errors"]!["Idempotency-Key"]);
        Assert.NotNull((await PostAsync(env, key, "/v1/sessions", """{"id":"00000000-0000-0000-0000-000000000000"}""", null, HttpStatusCode.BadRequest))["errors"]!["id"]);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM sessions WHERE user_id = $1", userId));
    }

    [Fact]
    public async Task A_reservation_retried_with_the_same_id_or_idempotency_key_holds_the_budget_once()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("projects:read", "projects:write");
        var project = (await PostAsync(env, key, "/v1/projects", """{"name":"held once"}""", null, HttpStatusCode.Created))["id"]!.ToString();
        await env.Client(key).SendAsync(HttpMethod.Put, $"/v1/projects/{project}/budget", """{"monthly_usd":1.00}""", HttpStatusCode.OK);
        var path = $"/v1/projects/{project}/budget/reservations";
        async Task<decimal> ReservedAsync() =>
            (await env.Client(key).SendAsync(HttpMethod.Get, $"/v1/projects/{project}/budget", null, HttpStatusCode.OK))["reserved_usd"]!.GetValue<decimal>();

        // By the body's id: the repeat answers the same reservation and holds nothing more.
        var id = Guid.NewGuid();
        var first = await PostAsync(env, key, path, $$"""{"id":"{{id}}","estimated_cost_usd":0.30,"ttl_seconds":600}""", null, HttpStatusCode.Created);
        var again = await PostAsync(env, key, path, $$"""{"id":"{{id}}","estimated_cost_usd":0.30,"ttl_seconds":600}""", null, HttpStatusCode.Created);
        Assert.Equal(id.ToString(), first["reservation_id"]!.ToString());
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        Assert.Equal(0.30m, await ReservedAsync());
        // Other content under the same id: 409 naming id, nothing held.
        Assert.NotNull((await PostAsync(env, key, path, $$"""{"id":"{{id}}","estimated_cost_usd":0.40,"ttl_seconds":600}""", null, HttpStatusCode.Conflict))["errors"]!["id"]);
        Assert.NotNull((await PostAsync(env, key, path, $$"""{"id":"{{id}}","estimated_cost_usd":0.30,"ttl_seconds":60}""", null, HttpStatusCode.Conflict))["errors"]!["id"]);
        Assert.Equal(0.30m, await ReservedAsync());

        // By the Idempotency-Key header: the same reservation for the same key, another for another key.
        var keyed = await PostAsync(env, key, path, """{"estimated_cost_usd":0.20}""", "hold-1", HttpStatusCode.Created);
        Assert.Equal(keyed["reservation_id"]!.ToString(), (await PostAsync(env, key, path, """{"estimated_cost_usd":0.20}""", "hold-1", HttpStatusCode.Created))["reservation_id"]!.ToString());
        Assert.NotEqual(keyed["reservation_id"]!.ToString(), (await PostAsync(env, key, path, """{"estimated_cost_usd":0.20}""", "hold-2", HttpStatusCode.Created))["reservation_id"]!.ToString());
        Assert.Equal(0.70m, await ReservedAsync());

        // Once released, the id is not granted again: a late retry is 409, never a second hold.
        await env.Client(key).SendAsync(HttpMethod.Delete, $"{path}/{id}", null, HttpStatusCode.NoContent);
        Assert.Equal(0.40m, await ReservedAsync());
        var ended = await PostAsync(env, key, path, $$"""{"id":"{{id}}","estimated_cost_usd":0.30,"ttl_seconds":600}""", null, HttpStatusCode.Conflict);
        Assert.Contains("has ended", ended["errors"]!["id"]![0]!.GetValue<string>());
        Assert.Equal(0.40m, await ReservedAsync());
        await using var db = new Db(env.Database);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM budget_reservations WHERE id = $1 AND ended_at IS NOT NULL", id));
    }

    private static async Task<JsonNode> PostAsync(GatewayEnvironment env, string key, string path, string body, string? idempotencyKey, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await env.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
