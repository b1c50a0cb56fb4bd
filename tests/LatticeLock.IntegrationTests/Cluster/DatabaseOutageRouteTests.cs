using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// With PostgreSQL stopped, every route of the OpenAPI document is called (with real ids and valid bodies): none
/// answers 500. A route that needs the database answers 503 with Retry-After; one served from memory may answer 2xx.
/// Then PostgreSQL comes back and the silo serves again without a restart.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class DatabaseOutageRouteTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task With_the_database_down_no_route_answers_500_and_those_that_need_it_answer_503_with_retry_after()
    {
        await using var gateway = await OwnDatabaseGateway.StartAsync("outage");
        var (postgres, adminKey, http) = (gateway.Postgres, gateway.AdminKey, gateway.Http);
        var api = new ApiClient(http, adminKey);

        // Real ids for every kind of route parameter, made while the database is up.
        var user = (await api.SendAsync(HttpMethod.Post, "/v1/users", """{"email":"outage@example.com","name":"O"}""", HttpStatusCode.Created))["id"]!.ToString();
        var project = (await api.SendAsync(HttpMethod.Post, "/v1/projects", $$"""{"name":"p","owner_id":"{{user}}"}""", HttpStatusCode.Created))["id"]!.ToString();
        var session = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", "{}", HttpStatusCode.Created))["id"]!.ToString();
        var chat = (await api.SendAsync(HttpMethod.Post, $"/v1/sessions/{session}/chats", """{"title":"c"}""", HttpStatusCode.Created))["id"]!.ToString();
        var key = (await api.SendAsync(HttpMethod.Post, $"/v1/users/{user}/api-keys", """{"name":"k","scopes":["sessions:read"]}""", HttpStatusCode.Created))["id"]!.ToString();
        var openApi = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!;

        await postgres.HaltAsync();
        var answers = new List<string>();
        foreach (var (path, operations) in openApi["paths"]!.AsObject())
        {
            foreach (var (method, _) in operations!.AsObject())
            {
                var concrete = path.Replace("{id}", path.StartsWith("/v1/users/{id}", StringComparison.Ordinal) ? user
                        : path.StartsWith("/v1/projects", StringComparison.Ordinal) ? project
                        : path.StartsWith("/v1/chats", StringComparison.Ordinal) ? chat
                        : path.StartsWith("/v1/api-keys", StringComparison.Ordinal) ? key : session, StringComparison.Ordinal)
                    .Replace("{keyId}", key, StringComparison.Ordinal).Replace("{userId}", user, StringComparison.Ordinal)
                    .Replace("{traceId}", "4bf92f3577b34da6a3ce929d0e0e4736", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), concrete);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
                if (method is "post" or "put" or "patch") request.Content = new StringContent(BodyFor(concrete, session), Encoding.UTF8, "application/json");
                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                answers.Add($"{method.ToUpperInvariant()} {path} -> {status}");
                Assert.True(status != 500, $"{method.ToUpperInvariant()} {concrete} answered 500 with the database down: {await response.Content.ReadAsStringAsync()}");
                if (status == 503) Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        foreach (var answer in answers) output.WriteLine(answer);
        Assert.True(answers.Count >= 20, $"only {answers.Count} routes in the OpenAPI document");
        Assert.Contains(answers, a => a.EndsWith("-> 503", StringComparison.Ordinal)); // the outage was felt

        // Back up: the same silo serves writes again.
        await postgres.RestartAsync();
        Assert.Equal(201, await Eventually.Until(async () => (int)(await api.RawAsync(HttpMethod.Post, "/v1/sessions", "{}")).StatusCode, s => s == 201, TimeSpan.FromSeconds(60)));
    }

    /// <summary>A valid body for each writing route (the point is the database being down, not validation).</summary>
    private static string BodyFor(string path, string session) => path switch
    {
        _ when path.EndsWith("/model-requests/batch", StringComparison.Ordinal) => $$"""{"requests":[{"session_id":"{{session}}","model_id":"m","provider":"p","requested_at":"2026-11-01T00:00:00Z","input_tokens":1,"status":"success"}]}""",
        _ when path.EndsWith("/model-requests", StringComparison.Ordinal) => $$"""{"session_id":"{{session}}","model_id":"m","provider":"p","requested_at":"2026-11-01T00:00:00Z","input_tokens":1,"status":"success"}""",
        _ when path.EndsWith("/budget", StringComparison.Ordinal) => """{"monthly_usd":10}""",
        _ when path.EndsWith("/reservations", StringComparison.Ordinal) => """{"estimated_cost_usd":0.01}""",
        _ when path.EndsWith("/turns", StringComparison.Ordinal) => """{"role":"user","content":"hi"}""",
        _ when path.EndsWith("/chats", StringComparison.Ordinal) => """{"title":"t"}""",
        _ when path.EndsWith("/api-keys", StringComparison.Ordinal) => """{"name":"k","scopes":["sessions:read"]}""",
        _ when path.EndsWith("/model-prices", StringComparison.Ordinal) => """{"provider":"p","model":"m","input_usd_per_mtok":1,"output_usd_per_mtok":1}""",
        _ when path == "/v1/users" => """{"email":"x@example.com"}""",
        _ when path == "/v1/projects" => """{"name":"x"}""",
        _ => "{}",
    };
}
