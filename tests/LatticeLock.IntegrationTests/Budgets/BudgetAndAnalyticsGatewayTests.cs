using System.Net;

namespace LatticeLock.IntegrationTests;

/// <summary>Budgets, reservations, analytics and sink health over HTTP against the real silo executable.</summary>
[Collection(ServersCollection.Name)]
public sealed class BudgetAndAnalyticsGatewayTests(ServersFixture servers)
{
    [Fact]
    public async Task Budgets_reservations_analytics_and_sink_health_work_over_http()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers);
        var (_, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write", "projects:read", "projects:write", "analytics:read");
        var api = env.Client(key);
        var projectId = (await api.SendAsync(HttpMethod.Post, "/v1/projects", """{"name":"budgeted"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var sessionId = (await api.SendAsync(HttpMethod.Post, "/v1/sessions", $$"""{"project_id":"{{projectId}}"}""", HttpStatusCode.Created))["id"]!.GetValue<Guid>();

        await api.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}/budget", null, HttpStatusCode.NotFound);
        await api.SendAsync(HttpMethod.Put, $"/v1/projects/{projectId}/budget", """{"monthly_usd":-5}""", HttpStatusCode.BadRequest);
        var budget = await api.SendAsync(HttpMethod.Put, $"/v1/projects/{projectId}/budget", """{"monthly_usd":1.00,"alert_thresholds_pct":[50,100]}""", HttpStatusCode.OK);
        Assert.Equal(1.00m, budget["remaining_usd"]!.GetValue<decimal>());

        var reservation = await api.SendAsync(HttpMethod.Post, $"/v1/projects/{projectId}/budget/reservations", """{"estimated_cost_usd":0.75}""", HttpStatusCode.Created);
        var reservationId = reservation["reservation_id"]!.GetValue<Guid>();
        var refused = await api.SendAsync(HttpMethod.Post, $"/v1/projects/{projectId}/budget/reservations", """{"estimated_cost_usd":0.5}""", HttpStatusCode.PaymentRequired);
        Assert.Equal(0.25m, refused["remaining_usd"]!.GetValue<decimal>());
        await api.SendAsync(HttpMethod.Post, $"/v1/projects/{projectId}/budget/reservations", """{"estimated_cost_usd":0.1,"ttl_seconds":0}""", HttpStatusCode.BadRequest);

        var recorded = await api.SendAsync(HttpMethod.Post, "/v1/model-requests", $$"""
            {"session_id":"{{sessionId}}","reservation_id":"{{reservationId}}","model_id":"gpt-4o","provider":"openai","task_type":"code",
             "requested_at":"{{DateTimeOffset.UtcNow:O}}","latency_ms":900,"input_tokens":1000,"output_tokens":100,"input_cost_usd":0.3,"output_cost_usd":0.3,"status":"success"}
            """, HttpStatusCode.Created);
        Assert.Equal(projectId, recorded["project_id"]!.GetValue<Guid>());
        Assert.True(recorded["reservation_settled"]!.GetValue<bool>());
        var after = await api.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}/budget", null, HttpStatusCode.OK);
        Assert.Equal((0.6m, 0m, 0.4m), (after["spent_usd"]!.GetValue<decimal>(), after["reserved_usd"]!.GetValue<decimal>(), after["remaining_usd"]!.GetValue<decimal>()));
        await api.SendAsync(HttpMethod.Delete, $"/v1/projects/{projectId}/budget/reservations/{reservationId}", null, HttpStatusCode.NotFound);
        var alerts = await api.SendAsync(HttpMethod.Get, $"/v1/projects/{projectId}/budget/alerts", null, HttpStatusCode.OK);
        Assert.Equal([50], alerts["alerts"]!.AsArray().Select(a => a!["threshold_pct"]!.GetValue<int>()));

        // The aggregates pump runs every second; analytics catch up within a few.
        var costs = await Eventually.Until(() => api.SendAsync(HttpMethod.Get, "/v1/analytics/costs?group_by=model", null, HttpStatusCode.OK),
            c => c["rows"]!.AsArray().Count > 0, TimeSpan.FromSeconds(30));
        var row = costs["rows"]!.AsArray().Single()!;
        Assert.Equal(("gpt-4o", 1L, 1000L, 100L, 0.6m), (row["key"]!.GetValue<string>(), row["requests"]!.GetValue<long>(),
            row["input_tokens"]!.GetValue<long>(), row["output_tokens"]!.GetValue<long>(), row["cost_usd"]!.GetValue<decimal>()));
        await api.SendAsync(HttpMethod.Get, "/v1/analytics/costs?group_by=color", null, HttpStatusCode.BadRequest);
        await api.SendAsync(HttpMethod.Get, "/v1/analytics/costs?from=2026-13-01", null, HttpStatusCode.BadRequest);
        // Dates at the ends of the calendar are refused by field, not left to overflow the window arithmetic (was 500).
        foreach (var path in new[] { "/v1/analytics/models?to=0001-01-01", "/v1/analytics/models?from=9999-12-31", "/v1/analytics/costs?to=0001-01-01", "/v1/analytics/costs?from=9999-12-31T00:00:00Z" })
            Assert.Contains("must be between", (await api.SendAsync(HttpMethod.Get, path, null, HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        var models = await api.SendAsync(HttpMethod.Get, "/v1/analytics/models?task_type=code&sort=p95_latency_ms", null, HttpStatusCode.OK);
        var model = models["models"]!.AsArray().Single()!;
        Assert.Equal(("gpt-4o", 1m, 900d, 0.6m), (model["model_id"]!.GetValue<string>(), model["success_rate"]!.GetValue<decimal>(),
            model["p95_latency_ms"]!.GetValue<double>(), model["avg_cost_per_success_usd"]!.GetValue<decimal>()));
        Assert.Null(model["feedback_score"]);
        Assert.Equal(0.6m / 1100 * 1000, model["cost_per_1k_tokens_usd"]!.GetValue<decimal>(), 8);
        await api.SendAsync(HttpMethod.Get, "/v1/analytics/models?sort=vibes", null, HttpStatusCode.BadRequest);
        await api.SendAsync(HttpMethod.Get, "/v1/analytics/models?from=2020-01-01", null, HttpStatusCode.BadRequest); // over 366 days
        await api.SendAsync(HttpMethod.Get, "/v1/analytics/costs?from=2026-11-01T00:00:00", null, HttpStatusCode.BadRequest); // no offset

        var (code, report) = await BuiltProgram.RunCliAsync(env.Database, "report", "costs", "--group-by", "model");
        Assert.True(code == 0, report);
        Assert.Contains("gpt-4o", report);
        Assert.Contains("0.60", report);
        (code, report) = await BuiltProgram.RunCliAsync(env.Database, "report", "models", "--task-type", "code");
        Assert.True(code == 0, report);
        Assert.Contains("100.0", report);

        // /health/ready reads sink states at most every 5 s.
        var sinks = await Eventually.Until(
            async () => System.Text.Json.Nodes.JsonNode.Parse(await env.Http.GetStringAsync("/health/ready"))!["checks"]!["metric_sinks"]!,
            s => s["data"]?["postgres"]?["delivered"]?.GetValue<long>() >= 1, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        Assert.Equal("healthy", sinks["status"]!.GetValue<string>());
        Assert.Equal(0, sinks["data"]!["aggregates"]!["consecutive_failures"]!.GetValue<int>());
        Assert.True(sinks["data"]!["postgres"]!["delivered"]!.GetValue<long>() >= 1);
        Assert.Equal(0, sinks["data"]!["postgres"]!["pending"]!.GetValue<long>());
    }
}
