using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Requests sent without an id (issue 13, item 5): every answer names the id the request was given, a 503 included,
/// so the client's retry is answered as a duplicate instead of stored twice; an <c>Idempotency-Key</c> header makes
/// the ids of a single request or of a batch's items the same on every retry.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ModelRequestIdOnEveryOutcomeTests
{
    [Fact]
    public async Task A_503_names_the_id_and_a_retry_with_it_or_with_the_same_idempotency_key_stores_nothing_twice()
    {
        await using var gateway = await OwnDatabaseGateway.StartAsync("ids");
        var (postgres, database, adminKey, http) = (gateway.Postgres, gateway.Database, gateway.AdminKey, gateway.Http);
        var api = new ApiClient(http, adminKey);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var body = $$"""{"session_id":"{{session}}","model_id":"gpt-4o","provider":"openai","requested_at":"2026-12-01T10:00:00Z","input_tokens":5,"status":"success"}""";

        // Idempotency-Key: the same key names the same id; the retry is a duplicate (200) with the stored row.
        var first = await SendAsync(http, adminKey, "/v1/model-requests", body, "order-17");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        var again = await SendAsync(http, adminKey, "/v1/model-requests", body, "order-17");
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.Json["id"]!.ToString(), again.Json["id"]!.ToString());
        var other = await SendAsync(http, adminKey, "/v1/model-requests", body, "order-18");
        Assert.Equal(HttpStatusCode.Created, other.Status);
        Assert.NotEqual(first.Json["id"]!.ToString(), other.Json["id"]!.ToString());
        var badKey = await SendAsync(http, adminKey, "/v1/model-requests", body, new string('k', 300));
        Assert.Equal(HttpStatusCode.BadRequest, badKey.Status);
        Assert.NotNull(badKey.Json["errors"]!["Idempotency-Key"]);

        // A batch under one key: each item's id depends on its index, so the retried batch is all duplicates.
        var batch = $$"""{"requests":[{{body}},{{body}},{{body}}]}""";
        var batchFirst = await SendAsync(http, adminKey, "/v1/model-requests/batch", batch, "batch-1");
        Assert.Equal(3, batchFirst.Json["accepted"]!.GetValue<int>());
        var batchAgain = await SendAsync(http, adminKey, "/v1/model-requests/batch", batch, "batch-1");
        Assert.Equal(3, batchAgain.Json["duplicates"]!.GetValue<int>());
        Assert.Equal(IdsOf(batchFirst.Json), IdsOf(batchAgain.Json));
        Assert.Equal(3, IdsOf(batchFirst.Json).Distinct().Count());

        // The database goes away: the 503 names the id the request was given, and so does each rejected batch item.
        await postgres.HaltAsync();
        var failed = await SendAsync(http, adminKey, "/v1/model-requests", body, null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.NotNull(failed.RetryAfter);
        var failedId = Guid.Parse(failed.Json["id"]!.ToString());
        var failedBatch = await SendAsync(http, adminKey, "/v1/model-requests/batch", $$"""{"requests":[{{body}},{{body}}]}""", null);
        Assert.Equal(HttpStatusCode.OK, failedBatch.Status);
        Assert.Equal(2, failedBatch.Json["rejected"]!.GetValue<int>());
        var rejectedIds = IdsOf(failedBatch.Json);
        Assert.All(failedBatch.Json["results"]!.AsArray(), r => Assert.Equal(503, r!["http_status"]!.GetValue<int>()));
        Assert.Equal(2, rejectedIds.Distinct().Count());

        // It comes back; the client retries with the ids it was given: each is stored once.
        await postgres.RestartAsync();
        var withId = body.Replace("{\"session_id\"", $"{{\"id\":\"{failedId}\",\"session_id\"", StringComparison.Ordinal);
        var retried = await Eventually.Until(() => SendAsync(http, adminKey, "/v1/model-requests", withId, null),
            r => r.Status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        Assert.True(retried.Status is HttpStatusCode.Created or HttpStatusCode.OK, retried.Json.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, adminKey, "/v1/model-requests", withId, null)).Status);
        var retryBatch = "{\"requests\":[" + string.Join(',', rejectedIds.Select(id => body.Replace("{\"session_id\"", $"{{\"id\":\"{id}\",\"session_id\"", StringComparison.Ordinal))) + "]}";
        await SendAsync(http, adminKey, "/v1/model-requests/batch", retryBatch, null);
        await SendAsync(http, adminKey, "/v1/model-requests/batch", retryBatch, null);

        await using var db = new Db(database);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE id = $1", failedId));
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE id = ANY($1)", rejectedIds.ToArray()));
        // order-17, order-18, three batch items, the retried request and the two retried batch items: 8 rows, no copy.
        Assert.Equal(8L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests"));
        var totals = await api.SendAsync(HttpMethod.Get, $"/v1/sessions/{session}", null, HttpStatusCode.OK);
        Assert.Equal(8, totals["request_count"]!.GetValue<long>());
        Assert.Equal(40, totals["input_tokens"]!.GetValue<long>());
    }

    private static List<Guid> IdsOf(JsonNode batch) => batch["results"]!.AsArray().Select(r => Guid.Parse(r!["id"]!.ToString())).ToList();

    private static async Task<(HttpStatusCode Status, JsonNode Json, TimeSpan? RetryAfter)> SendAsync(HttpClient http, string key, string path, string body, string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!, response.Headers.RetryAfter?.Delta);
    }
}
