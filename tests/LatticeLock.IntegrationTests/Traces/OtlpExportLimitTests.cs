using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// <c>LatticeLock:Otlp:MaxConcurrentExports</c> on the real silo: while one export is held (its commit waits on a
/// frozen PostgreSQL), the next is answered 429 with Retry-After at once, and the slot is free again afterwards.
/// </summary>
public sealed class OtlpExportLimitTests
{
    [Fact]
    public async Task An_export_past_the_concurrency_limit_is_answered_429_with_retry_after_and_the_slot_comes_back()
    {
        await using var gateway = await OwnDatabaseGateway.StartAsync("otlp_limit", new Dictionary<string, string?> { ["LatticeLock__Otlp__MaxConcurrentExports"] = "1" });
        using var first = await ExportAsync(gateway, "1111111111111111"); // warms authentication and the span log up
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        await gateway.Postgres.PauseAsync();
        Task<HttpResponseMessage> held;
        try
        {
            held = ExportAsync(gateway, "2222222222222222");
            await Task.Delay(TimeSpan.FromSeconds(1)); // the held export has its slot and waits on the database
            using var refused = await ExportAsync(gateway, "3333333333333333");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "429 without Retry-After");
            Assert.Contains("MaxConcurrentExports", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(held.IsCompleted);
        }
        finally
        {
            await gateway.Postgres.ResumeAsync();
        }
        using (var done = await held)
            Assert.True(done.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"held export answered {(int)done.StatusCode}");
        using var again = await ExportAsync(gateway, "4444444444444444");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static async Task<HttpResponseMessage> ExportAsync(OwnDatabaseGateway gateway, string spanId)
    {
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        var json = $$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{{spanId}}","name":"limit","startTimeUnixNano":"{{now}}","endTimeUnixNano":"{{now}}"}]}]}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/otlp/v1/traces") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        return await gateway.Http.SendAsync(request);
    }
}
