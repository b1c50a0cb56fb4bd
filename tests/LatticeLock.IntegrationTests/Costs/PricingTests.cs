using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Prices;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>Requests without costs are priced from the price in effect at requested_at; unpriced ones are stored and flagged.</summary>
[Collection(ServersCollection.Name)]
public sealed class PricingTests(ServersFixture servers)
{
    [Fact]
    public async Task Costs_come_from_the_price_in_effect_at_requested_at_and_unpriced_requests_are_flagged_not_rejected()
    {
        var database = await servers.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            var prices = new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System));
            Assert.True((await prices.SetAsync(new ModelPrice("acme", "m1", 1.00m, 2.00m, 0.5m, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), null, default)).Created);
            Assert.True((await prices.SetAsync(new ModelPrice("acme", "m1", 3.00m, 4.00m, null, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)), null, default)).Created);
            Assert.False((await prices.SetAsync(new ModelPrice("acme", "m1", 3.00m, 4.00m, null, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)), null, default)).Created);
        }
        await using var cluster = await LatticeCluster.StartAsync(database);
        await using var db = new Db(database);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);

        ModelRequestRecord Unpriced(DateTimeOffset at, string model = "m1") => Scenario.Request(model, input: 1_000_000, output: 500_000) with
        {
            Provider = "acme", RequestedAt = at, RespondedAt = at.AddSeconds(1), InputCostUsd = null, OutputCostUsd = null,
        };
        var march = Unpriced(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var july = Unpriced(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.FromHours(2)));
        var boundary = Unpriced(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var beforeAnyPrice = Unpriced(new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var unknownModel = Unpriced(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), "m2");
        var given = Scenario.Request("m1", 1_000_000, 500_000, inputCost: 9m, outputCost: 1m) with { Provider = "acme" };
        foreach (var r in new[] { march, july, boundary, beforeAnyPrice, unknownModel, given })
            Assert.False((await session.RecordModelRequest(r)).WasDuplicate);

        async Task<object?[]> Stored(Guid id) =>
            (await db.RowsAsync("SELECT input_cost_usd, output_cost_usd, cost_source FROM model_requests WHERE id = $1", id)).Single();
        Assert.Equal(new object?[] { 1.00m, 1.00m, "price_table" }, await Stored(march.Id));
        Assert.Equal(new object?[] { 3.00m, 2.00m, "price_table" }, await Stored(july.Id));
        Assert.Equal(new object?[] { 3.00m, 2.00m, "price_table" }, await Stored(boundary.Id)); // effective_from is inclusive
        Assert.Equal(new object?[] { null, null, "unpriced" }, await Stored(beforeAnyPrice.Id));
        Assert.Equal(new object?[] { null, null, "unpriced" }, await Stored(unknownModel.Id));
        Assert.Equal(new object?[] { 9m, 1m, "client" }, await Stored(given.Id));

        var summary = await session.GetSummary();
        Assert.Equal(6, summary.RequestCount);
        Assert.Equal(2m + 5m + 5m + 10m, summary.TotalCostUsd);
        Assert.Equal(summary.TotalCostUsd, await db.ScalarAsync<decimal>("SELECT sum(total_cost_usd) FROM model_requests WHERE session_id = $1", sessionId));
    }

    [Fact]
    public async Task A_priced_cost_over_what_a_request_can_cost_is_refused_naming_the_field_and_nothing_is_stored()
    {
        var database = await servers.CreateDatabaseAsync();
        await using (var dataSource = NpgsqlDataSource.Create(database))
            await new PriceRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, TimeProvider.System)).SetAsync(new ModelPrice("acme", "big", 10m, 10m, null, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)), null, default);
        await using var cluster = await LatticeCluster.StartAsync(database);
        await using var db = new Db(database);
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        ModelRequestRecord Big(int input, int output) => Scenario.Request("big", input, output) with { Provider = "acme", InputCostUsd = null, OutputCostUsd = null };

        // 1.5 billion input tokens at 10 USD per million: 15,000 USD, over numeric(12,8).
        var tooMuch = Big(1_500_000_000, 0);
        Assert.Equal("input_tokens", (await Assert.ThrowsAsync<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() => session.RecordModelRequest(tooMuch))).Field);
        // Each part fits (6,000 + 6,000 USD) but the total does not.
        var totalTooMuch = Big(600_000_000, 600_000_000);
        Assert.Equal("input_tokens", (await Assert.ThrowsAsync<LatticeLock.Grains.Abstractions.Errors.InvalidFieldException>(() => session.RecordModelRequest(totalTooMuch))).Field);
        // The session is still fine: the next request is stored and counted.
        var fits = Big(500_000_000, 0);
        Assert.False((await session.RecordModelRequest(fits)).WasDuplicate);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM model_requests WHERE session_id = $1", sessionId));
        Assert.Equal((1L, 5000m), ((await session.GetSummary()).RequestCount, (await session.GetSummary()).TotalCostUsd));
    }

    [Fact]
    public void Costs_are_rounded_to_the_eight_decimals_stored() =>
        Assert.Equal(0.00000150m, ModelPrice.Cost(1, 1.5m));
}
