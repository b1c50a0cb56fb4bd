using System.Net;
using LatticeLock.Storage.Auth;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Refused authentications (issue 13, item 2): budgeted per client address and per key prefix (429 with Retry-After),
/// counted per minute in auth_failures off the request path, and deleted after the retention period.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AuthFailureTests(ServersFixture servers)
{
    [Fact]
    public async Task Failures_past_the_budgets_get_429_with_retry_after_and_are_counted_per_minute_not_inserted_per_request()
    {
        await using var env = await GatewayEnvironment.StartAsync(servers, new Dictionary<string, string?>
        {
            ["LatticeLock__Auth__FailuresPerMinutePerAddress"] = "8",
            ["LatticeLock__Auth__FailuresPerMinutePerKey"] = "3",
        });
        var (userId, key) = await env.NewUserWithKeyAsync("sessions:read", "sessions:write");
        var guessed = env.Client(key[..^4] + (key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));

        // Guessing one key's secret: three 401s, then 429 for that prefix...
        for (var i = 0; i < 3; i++) await guessed.SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.Unauthorized);
        using (var limited = await guessed.RawAsync(HttpMethod.Get, $"/v1/users/{userId}"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("20", limited.Headers.RetryAfter?.ToString()); // 3 per minute: one more every 20 s
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        }
        // ...while the key's owner, with the right secret, still gets in.
        await env.Client(key).SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.OK);

        // The address has spent 3 of its 8: five missing keys still get 401, then every attempt from it gets 429,
        // an unknown key included (no lookup is made for it).
        for (var i = 0; i < 5; i++) await env.Client(null).SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.Unauthorized);
        using (var limited = await env.Client("ll_zzzzzzzzzzzz_" + new string('x', 43)).RawAsync(HttpMethod.Get, $"/v1/users/{userId}"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("8", limited.Headers.RetryAfter?.ToString()); // 8 per minute: one more every 7.5 s
        }
        await env.Client(null).SendAsync(HttpMethod.Get, $"/v1/users/{userId}", null, HttpStatusCode.TooManyRequests);

        // Counted per minute, prefix and address: 4 for the guessed prefix, 6 without one, 1 for the unknown prefix.
        await using var db = new Db(env.Database);
        var prefix = "ll_" + key.Split('_')[1];
        var counted = await Eventually.Until(() => db.ScalarAsync<long>("SELECT coalesce(sum(attempts), 0)::bigint FROM auth_failures"), n => n >= 11,
            TimeSpan.FromSeconds(60), what: "the 11 refused authentications written to auth_failures");
        Assert.Equal(11L, counted);
        Assert.Equal(4L, await db.ScalarAsync<long>("SELECT sum(attempts)::bigint FROM auth_failures WHERE key_prefix = $1 AND remote_address = '127.0.0.1'", prefix));
        Assert.Equal(6L, await db.ScalarAsync<long>("SELECT sum(attempts)::bigint FROM auth_failures WHERE key_prefix = '' AND remote_address = '127.0.0.1'"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT sum(attempts)::bigint FROM auth_failures WHERE key_prefix = 'll_zzzzzzzzzzzz'"));
        Assert.Equal("too many failed authentications; retry later",
            await db.ScalarAsync<string>("SELECT last_reason FROM auth_failures WHERE key_prefix = '' ORDER BY minute DESC LIMIT 1"));
        Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM auth_failures") <= 6); // at most 3 rows per minute crossed
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM auth_events WHERE outcome = 'failure'"));
    }

    [Fact]
    public async Task Retention_deletes_failure_counts_and_audit_events_older_than_the_cutoff_and_keeps_the_rest()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await db.ExecuteAsync("""
            INSERT INTO auth_failures (minute, key_prefix, remote_address, attempts, last_reason)
            VALUES (now() - interval '100 days', '', '10.0.0.1', 5, 'old'), (date_trunc('minute', now()), '', '10.0.0.1', 2, 'new');
            INSERT INTO auth_events (outcome, reason, occurred_at) VALUES ('created', 'old', now() - interval '100 days'), ('created', 'new', now());
            """);
        await using var dataSource = NpgsqlDataSource.Create(database);
        var removed = await new AuthFailureLog(dataSource).DeleteOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-90), CancellationToken.None);
        Assert.Equal(2L, removed);
        Assert.Equal("new", await db.ScalarAsync<string>("SELECT string_agg(last_reason, ',') FROM auth_failures"));
        Assert.Equal("new", await db.ScalarAsync<string>("SELECT string_agg(reason, ',') FROM auth_events"));
    }
}
