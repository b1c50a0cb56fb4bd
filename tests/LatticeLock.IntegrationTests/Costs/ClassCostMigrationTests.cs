using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Migrations;
using LatticeLock.Storage.Prices;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>
/// Migration 25 fills the cost per token class of the aggregates already counted from the log, with the arithmetic
/// of TokenPricing (long-context tier, service-tier multiplier, one-hour cache writes), and leaves alone what the
/// aggregates consumer has not counted yet (it counts those itself).
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class ClassCostMigrationTests(ServersFixture servers)
{
    private const int ClassCostsMigration = 25;
    private static readonly Guid User = Guid.NewGuid();

    [Fact]
    public async Task Counted_aggregates_get_their_class_costs_from_the_log_as_TokenPricing_computes_them()
    {
        var cs = await servers.CreateDatabaseAsync(migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(cs);
        var runner = new MigrationRunner(dataSource);
        await runner.UpAsync(ClassCostsMigration - 1);
        await using var db = new Db(cs);

        var price = new ModelPrice("acme", "classy", 3.00m, 15.00m, 0.30m, DateTimeOffset.UtcNow.AddDays(-10))
        {
            CacheWriteInputUsdPerMtok = 3.75m, CacheWrite1hInputUsdPerMtok = 6.00m, ReasoningOutputUsdPerMtok = 16.00m,
            LongContextThresholdTokens = 200_000, LongContextInputUsdPerMtok = 6.00m, LongContextOutputUsdPerMtok = 22.50m, BatchMultiplier = 0.5m,
        };
        // Written as that version's schema has it (today's repository also audits, in a table not there yet).
        var stored = price with
        {
            Id = await db.ScalarAsync<long>("""
                INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from,
                    cache_write_input_usd_per_mtok, cache_write_1h_input_usd_per_mtok, reasoning_output_usd_per_mtok, long_context_threshold_tokens,
                    long_context_input_usd_per_mtok, long_context_output_usd_per_mtok, batch_multiplier)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id
                """, price.Provider, price.Model, price.InputUsdPerMtok, price.OutputUsdPerMtok, price.CachedInputUsdPerMtok!.Value,
                price.EffectiveFrom.ToUniversalTime(), price.CacheWriteInputUsdPerMtok!.Value, price.CacheWrite1hInputUsdPerMtok!.Value,
                price.ReasoningOutputUsdPerMtok!.Value, price.LongContextThresholdTokens!.Value, price.LongContextInputUsdPerMtok!.Value,
                price.LongContextOutputUsdPerMtok!.Value, price.BatchMultiplier!.Value),
        };
        var day = DateTime.SpecifyKind(DateTime.UtcNow.Date, DateTimeKind.Utc);
        var requests = new (int Input, int Output, int? Cached, int? Written, int? Written1h, int? Reasoning, ServiceTier? Tier)[]
        {
            (100_000, 2_000, 60_000, 30_000, 10_000, null, null),
            (300_000, 10_000, 100_000, null, null, 4_000, null),          // long context
            (40_000, 1_000, 30_000, 5_000, null, 500, ServiceTier.Batch),
            (1_000, 500, null, null, null, null, null),                    // no classes
        };
        var expected = ClassCostsOf(requests, stored);
        foreach (var r in requests)
            await InsertAsync(db, stored.Id, r.Input, r.Output, r.Cached, r.Written, r.Written1h, r.Reasoning, r.Tier, day);
        // Counted: everything so far (the aggregates cursor at the last row, the group rows as the consumer keeps them).
        await db.ScalarAsync<int>("""
            INSERT INTO metric_sink_cursors (sink, last_xact_id, last_request_id)
            SELECT 'aggregates', xact_id, id FROM model_requests ORDER BY xact_id DESC, id DESC LIMIT 1 RETURNING 1
            """);
        await db.ScalarAsync<int>("""
            INSERT INTO cost_aggregations (aggregation_date, user_id, provider, model_id, service_tier, request_count)
            VALUES ($1, $2, 'acme', 'classy', NULL, 3), ($1, $2, 'acme', 'classy', 'batch', 1) RETURNING 1
            """, DateOnly.FromDateTime(day), User);
        // Not counted yet: a later row, which the consumer will count with its class costs.
        await InsertAsync(db, stored.Id, 10_000, 1_000, 5_000, null, null, null, null, day);

        await runner.UpAsync();
        var rows = await db.RowsAsync("""
            SELECT coalesce(service_tier, 'standard'), total_cached_input_cost_usd, total_cache_write_input_cost_usd, total_reasoning_output_cost_usd
            FROM cost_aggregations ORDER BY 1
            """);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("batch", expected.Batch), ((string)rows[0][0]!, new ClassCosts((decimal)rows[0][1]!, (decimal)rows[0][2]!, (decimal)rows[0][3]!)));
        Assert.Equal(("standard", expected.Standard), ((string)rows[1][0]!, new ClassCosts((decimal)rows[1][1]!, (decimal)rows[1][2]!, (decimal)rows[1][3]!)));
        Assert.NotEqual(ClassCosts.None, expected.Standard);

        await runner.DownAsync(ClassCostsMigration - 1);
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'cost_aggregations' AND column_name LIKE 'total_%_cost_usd' " +
            "AND column_name NOT IN ('total_input_cost_usd', 'total_output_cost_usd')"));
    }

    private static (ClassCosts Standard, ClassCosts Batch) ClassCostsOf(
        IEnumerable<(int Input, int Output, int? Cached, int? Written, int? Written1h, int? Reasoning, ServiceTier? Tier)> requests, ModelPrice price)
    {
        ClassCosts standard = ClassCosts.None, batch = ClassCosts.None;
        foreach (var r in requests)
        {
            var costs = ClassCosts.Of(TokenPricing.Breakdown(
                PriceRows.Record("acme", "classy", DateTimeOffset.UtcNow, r.Input, r.Output, r.Cached, r.Written, r.Written1h, r.Reasoning, r.Tier), price));
            if (r.Tier == ServiceTier.Batch) batch += costs;
            else standard += costs;
        }
        return (standard, batch);
    }

    private static Task<int> InsertAsync(Db db, long priceId, int input, int output, int? cached, int? written, int? written1h, int? reasoning,
        ServiceTier? tier, DateTime day) =>
        db.ScalarAsync<int>("""
            INSERT INTO model_requests (id, session_id, user_id, model_id, provider, requested_at, input_tokens, output_tokens, input_cost_usd,
                output_cost_usd, status, cost_source, price_id, cached_input_tokens, cache_write_input_tokens, cache_write_1h_input_tokens,
                reasoning_output_tokens, service_tier)
            VALUES (gen_random_uuid(), gen_random_uuid(), $10, 'classy', 'acme', $1, $2, $3, 0.01, 0.01, 'success', 'price_table', $4,
                    $5, $6, $7, $8, $9)
            RETURNING 1
            """, day.AddHours(12), input, output, priceId, (object?)cached ?? DBNull.Value, (object?)written ?? DBNull.Value,
            (object?)written1h ?? DBNull.Value, (object?)reasoning ?? DBNull.Value, tier is { } t ? t.ToString().ToLowerInvariant() : DBNull.Value, User);
}
