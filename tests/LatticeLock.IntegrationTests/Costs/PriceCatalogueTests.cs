using System.Net;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// The price catalogue in <c>prices/</c>: every file loads with <c>lattice prices import</c>, and the worked bills
/// of <c>prices/README.md</c> come out to the last decimal when their calls are recorded over HTTP.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class PriceCatalogueTests(ServersFixture servers)
{
    [Fact]
    public async Task The_catalogue_imports_and_prices_the_worked_bills_exactly()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        await using var db = new Db(env.Database);
        var files = Directory.GetFiles(Path.Combine(LocalServer.RepositoryRoot(), "prices"), "*.csv").Order().ToList();
        Assert.Equal(["anthropic.csv", "gemini.csv", "openai.csv"], files.Select(Path.GetFileName));
        foreach (var file in files)
        {
            var (code, output) = await BuiltProgram.RunCliAsync(env.Database, "prices", "import", file);
            Assert.True(code == 0, $"{file}: {output}");
        }
        var rows = files.Sum(f => File.ReadAllLines(f).Skip(1).Count(l => l.Trim().Length > 0));
        Assert.Equal(rows, await db.ScalarAsync<long>("SELECT count(*) FROM model_prices WHERE superseded_at IS NULL"));

        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var api = env.Client(key);
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        async Task<decimal> BillAsync(string provider, string model, string tokens)
        {
            var ack = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
                {"session_id":"{{session}}","provider":"{{provider}}","model_id":"{{model}}","requested_at":"{{DateTimeOffset.UtcNow.AddSeconds(-5):O}}",
                 "status":"success",{{tokens}}}
                """, HttpStatusCode.Created);
            Assert.Equal("price_table", ack["cost_source"]!.GetValue<string>());
            return ack["total_cost_usd"]!.GetValue<decimal>();
        }

        Assert.Equal(6.25m, await BillAsync("openai", "gpt-4o", """ "input_tokens":1000000,"output_tokens":1000000,"service_tier":"batch" """));
        Assert.Equal(0.030125m, await BillAsync("openai", "gpt-5",
            """ "input_tokens":10000,"cached_input_tokens":2000,"output_tokens":5000,"reasoning_output_tokens":4000,"service_tier":"flex" """));
        Assert.Equal(0.213m, await BillAsync("anthropic", "claude-sonnet-4-5",
            """ "input_tokens":100000,"cached_input_tokens":60000,"cache_write_input_tokens":30000,"cache_write_1h_input_tokens":10000,"output_tokens":2000 """));
        Assert.Equal(2.025m, await BillAsync("anthropic", "claude-sonnet-4-5", """ "input_tokens":300000,"output_tokens":10000 """));
        Assert.Equal(0.925m, await BillAsync("gcp.gemini", "gemini-2.5-pro", """ "input_tokens":250000,"output_tokens":20000,"reasoning_output_tokens":15000 """));
        Assert.Equal(0.009m, await BillAsync("anthropic", "claude-haiku-4-5",
            """ "input_tokens":40000,"cached_input_tokens":30000,"output_tokens":1000,"service_tier":"batch" """));
    }
}
