namespace LatticeLock.IntegrationTests;

/// <summary>
/// Sums of many requests' costs never overflow their column (issue 13, item 4): session checkpoints, daily
/// aggregations (and the weekly and monthly views over them) and alert spend are unconstrained numeric.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class CostSumColumnsTests(ServersFixture servers)
{
    [Fact]
    public async Task Cost_sums_are_exact_past_what_numeric_20_8_could_hold()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        foreach (var (table, column) in new[] { ("sessions", "totals_cost_usd"), ("cost_aggregations", "total_cost_usd"), ("alert_events", "spent_usd") })
        {
            Assert.Equal("numeric", await db.ScalarAsync<string>(
                "SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = $2", table, column));
            Assert.Equal(0L, await db.ScalarAsync<long>(
                "SELECT count(numeric_precision) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2", table, column));
        }

        // The largest a numeric(20,8) holds, then one more request at the largest priced cost, twice in a month.
        await db.ExecuteAsync("""
            INSERT INTO cost_aggregations (aggregation_date, provider, model_id, request_count, total_cost_usd)
            VALUES ('2026-12-01', 'p', 'm', 100000000, 999999999999.99999999), ('2026-12-02', 'p', 'm', 1, 9999.99999999)
            """);
        await db.ExecuteAsync("UPDATE cost_aggregations SET total_cost_usd = total_cost_usd + 9999.99999999 WHERE aggregation_date = '2026-12-01'");
        Assert.Equal(1000000009999.99999998m, await db.ScalarAsync<decimal>("SELECT total_cost_usd FROM cost_aggregations WHERE aggregation_date = '2026-12-01'"));
        Assert.Equal(1000000019999.99999997m, await db.ScalarAsync<decimal>("SELECT total_cost_usd FROM cost_aggregations_monthly WHERE aggregation_date = '2026-12-01'"));
    }
}
