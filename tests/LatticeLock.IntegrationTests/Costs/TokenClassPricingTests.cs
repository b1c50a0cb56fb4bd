using System.Net;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Token classes over HTTP against a real silo: a request's cache reads, cache writes and reasoning priced from the
/// price row by class; <c>GET /v1/model-requests/{id}</c> shows the arithmetic, summing exactly to the total; a price
/// set again at the same date is a new row, so a request keeps showing the prices it was charged.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class TokenClassPricingTests(ServersFixture servers)
{
    [Fact]
    public async Task Classes_are_priced_from_the_price_row_and_the_breakdown_sums_to_the_total()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var admin = env.Client(env.AdminKey);
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        var price = await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-classes","input_usd_per_mtok":2.50,"cached_input_usd_per_mtok":1.25,"output_usd_per_mtok":10.00,
             "batch_multiplier":0.5,"effective_from":"{{from}}"}
            """, HttpStatusCode.Created);
        var priceId = price["id"]!.GetValue<long>();
        Assert.True(priceId > 0);

        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        string Body(string extra) => $$"""
            {"session_id":"{{session}}","model_id":"gpt-classes","provider":"openai","requested_at":"{{DateTimeOffset.UtcNow.AddSeconds(-5):O}}",
             "input_tokens":1000,"output_tokens":500,"status":"success"{{extra}}}
            """;

        // 1,000 input of which 400 cached, 500 output of which 200 reasoning: exactly 0.007 USD.
        var recorded = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(""","cached_input_tokens":400,"reasoning_output_tokens":200"""), HttpStatusCode.Created);
        Assert.Equal((0.007m, "price_table", priceId), (recorded["total_cost_usd"]!.GetValue<decimal>(), recorded["cost_source"]!.GetValue<string>(), recorded["price_id"]!.GetValue<long>()));
        var read = await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{recorded["id"]}", null, HttpStatusCode.OK);
        Assert.Equal((400, 200), (read["cached_input_tokens"]!.GetValue<int>(), read["reasoning_output_tokens"]!.GetValue<int>()));
        var parts = read["cost_breakdown"]!.AsArray();
        Assert.Equal(["input:600:2.5:0.0015", "cached_input:400:1.25:0.0005", "output:300:10:0.003", "reasoning_output:200:10:0.002"],
            parts.Select(p => $"{p!["token_class"]}:{p["tokens"]}:{p["usd_per_mtok"]!.GetValue<decimal>():G29}:{p["usd"]!.GetValue<decimal>():G29}"));
        Assert.Equal(read["total_cost_usd"]!.GetValue<decimal>(), parts.Sum(p => p!["usd"]!.GetValue<decimal>()));
        var (code, shown) = await BuiltProgram.RunCliAsync(env.Database, "requests", "show", recorded["id"]!.ToString());
        Assert.True(code == 0, shown);
        Assert.Contains("cached_input", shown);
        Assert.Contains("reasoning_output", shown);
        Assert.Contains("0.007", shown);

        // A batch request at half price; a part larger than its total is 400 naming the part and stores nothing.
        var batch = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(""","cached_input_tokens":400,"service_tier":"batch" """), HttpStatusCode.Created);
        Assert.Equal(0.0035m, batch["total_cost_usd"]!.GetValue<decimal>()); // 600 x 1.25 + 400 x 0.625 + 500 x 5.00 per million
        var tooMany = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(""","cached_input_tokens":1001"""), HttpStatusCode.BadRequest);
        Assert.NotNull(tooMany["errors"]!["cached_input_tokens"]);
        var badTier = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(""","service_tier":"economy" """), HttpStatusCode.BadRequest);
        Assert.NotNull(badTier["errors"]!["service_tier"]);

        // The price set again at the same date is a new row: new requests use it, the first keeps its own arithmetic.
        var corrected = await admin.SendAsync(HttpMethod.Put, "/v1/model-prices", $$"""
            {"provider":"openai","model":"gpt-classes","input_usd_per_mtok":3.00,"cached_input_usd_per_mtok":1.50,"output_usd_per_mtok":12.00,"effective_from":"{{from}}"}
            """, HttpStatusCode.OK);
        Assert.NotEqual(priceId, corrected["id"]!.GetValue<long>());
        var listed = (await admin.SendAsync(HttpMethod.Get, "/v1/model-prices?provider=openai&model=gpt-classes", null, HttpStatusCode.OK))["prices"]!.AsArray();
        Assert.Equal(corrected["id"]!.GetValue<long>(), Assert.Single(listed)!["id"]!.GetValue<long>());
        var again = await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{recorded["id"]}", null, HttpStatusCode.OK);
        Assert.Equal(read["cost_breakdown"]!.ToJsonString(), again["cost_breakdown"]!.ToJsonString());

        // Client-given costs stay as sent and have no breakdown; another user's request is 404.
        var given = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", Body(""","input_cost_usd":0.1,"output_cost_usd":0.2"""), HttpStatusCode.Created);
        var givenRead = await api.SendAsync(HttpMethod.Get, $"/v1/model-requests/{given["id"]}", null, HttpStatusCode.OK);
        Assert.Equal(("client", 0.3m), (givenRead["cost_source"]!.GetValue<string>(), givenRead["total_cost_usd"]!.GetValue<decimal>()));
        Assert.Null(givenRead["cost_breakdown"]);
        var (_, otherKey) = await env.NewUserWithKeyAsync("sessions:read");
        await env.Client(otherKey).SendAsync(HttpMethod.Get, $"/v1/model-requests/{recorded["id"]}", null, HttpStatusCode.NotFound);
    }
}
