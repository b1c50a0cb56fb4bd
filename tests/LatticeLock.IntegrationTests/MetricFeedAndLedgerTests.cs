using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Projects;
using LatticeLock.Storage.Budgets;
using LatticeLock.Storage.Metrics;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LatticeLock.IntegrationTests;

/// <summary>The guarantees under the pipeline and the budget, checked directly against PostgreSQL.</summary>
[Collection(ServersCollection.Name)]
public sealed class MetricFeedAndLedgerTests(ServersFixture servers)
{
    private static async Task InsertRequestAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, DateTimeOffset at, decimal cost = 0m, Guid? projectId = null)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO model_requests (id, model_id, provider, requested_at, status, input_cost_usd, output_cost_usd, project_id)
            VALUES ($1, 'm', 'p', $2, 'success', $3, 0, $4)
            """, connection, transaction);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.AddWithValue(at);
        insert.Parameters.AddWithValue(cost);
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)projectId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await insert.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_row_of_an_older_transaction_that_commits_after_a_newer_one_is_not_skipped()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var feed = new ModelRequestFeed(dataSource);
        await using var older = await dataSource.OpenConnectionAsync();
        await using var newer = await dataSource.OpenConnectionAsync();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        await using var olderTransaction = await older.BeginTransactionAsync();
        await InsertRequestAsync(older, olderTransaction, a, DateTimeOffset.UtcNow); // takes the lower transaction id
        await using (var newerTransaction = await newer.BeginTransactionAsync())
        {
            await InsertRequestAsync(newer, newerTransaction, b, DateTimeOffset.UtcNow);
            await newerTransaction.CommitAsync(); // the higher id commits first
        }
        var early = await feed.ReadAfterAsync(MetricCursor.Start, 100, default);
        Assert.Empty(early.Points); // b is held back while a's transaction may still commit below it
        Assert.Equal(MetricCursor.Start, early.To);

        await olderTransaction.CommitAsync();
        var all = await feed.ReadAfterAsync(MetricCursor.Start, 100, default);
        Assert.Equal([a, b], all.Points.Select(p => p.RequestId));
        Assert.Empty((await feed.ReadAfterAsync(all.To, 100, default)).Points);
    }

    [Fact]
    public async Task Points_outside_any_partition_land_in_the_default_one_and_move_when_their_month_is_partitioned()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var sink = new PostgresMetricSink(dataSource, TimeProvider.System);
        var old = new MetricPoint(Guid.NewGuid(), new DateTimeOffset(2019, 5, 10, 12, 0, 0, TimeSpan.Zero), null, null, null, "p", "m", null, "success", 10, 1, 1, 0.5m);
        Assert.Equal(1, (await sink.WriteAsync([old], default)).Written);
        Assert.Equal(1, (await sink.WriteAsync([old], default)).Written); // a replay stores nothing new
        Assert.Equal("metric_points_default", await db.ScalarAsync<string>("SELECT tableoid::regclass::text FROM metric_points WHERE request_id = $1", old.RequestId));

        Assert.True(await db.ScalarAsync<bool>("SELECT ensure_metric_points_partition('2019-05-01')"));
        Assert.False(await db.ScalarAsync<bool>("SELECT ensure_metric_points_partition('2019-05-20')"));
        Assert.Equal("metric_points_2019_05", await db.ScalarAsync<string>("SELECT tableoid::regclass::text FROM metric_points WHERE request_id = $1", old.RequestId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM metric_points"));

        await sink.MaintainAsync(default); // this month and the next two exist (created by the migration already; idempotent)
        var month = DateTime.UtcNow;
        foreach (var m in new[] { month, month.AddMonths(1), month.AddMonths(2) })
            Assert.True(await db.ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", $"metric_points_{m:yyyy_MM}"));
    }

    [Fact]
    public async Task Spend_and_alerts_start_afresh_when_the_month_turns()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var (userId, projectId) = (Guid.NewGuid(), Guid.NewGuid());
        await db.ScalarAsync<int>("INSERT INTO users (id, email) VALUES ($1, 'rollover@example.com') RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO projects (id, owner_id, name) VALUES ($1, $2, 'rollover') RETURNING 1", projectId, userId);
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 23, 50, 0, TimeSpan.Zero));
        var ledger = new ProjectBudgetLedger(projectId, new BudgetRepository(dataSource), new AlertEventRepository(dataSource), clock, WebhookTargetPolicy.PublicOnly, NullLogger.Instance);
        List<ReservationState> reservations = [];
        await using var connection = await dataSource.OpenConnectionAsync();

        await InsertRequestAsync(connection, null, Guid.NewGuid(), clock.GetUtcNow(), 6m, projectId);
        await ledger.LoadAsync(default);
        var november = await ledger.SetAsync(new BudgetSettings(10m, [50], null), reservations, default);
        Assert.Equal(6m, november.SpentUsd);

        clock.Now = new DateTimeOffset(2026, 12, 1, 0, 5, 0, TimeSpan.Zero);
        var late = Guid.NewGuid();
        await InsertRequestAsync(connection, null, late, new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero), 1m, projectId); // still November's
        await ledger.RecordSpendAsync(new ProjectSpend(late, 1m, new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero), null), reservations, default);
        var first = Guid.NewGuid();
        await InsertRequestAsync(connection, null, first, clock.GetUtcNow(), 2m, projectId);
        await ledger.RecordSpendAsync(new ProjectSpend(first, 2m, clock.GetUtcNow(), null), reservations, default);
        var december = await ledger.GetAsync(reservations, default);
        Assert.Equal(2m, december.SpentUsd);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), december.PeriodStart);

        var second = Guid.NewGuid();
        await InsertRequestAsync(connection, null, second, clock.GetUtcNow(), 4m, projectId);
        await ledger.RecordSpendAsync(new ProjectSpend(second, 4m, clock.GetUtcNow(), null), reservations, default);
        Assert.Equal(6m, (await ledger.GetAsync(reservations, default)).SpentUsd);
        var alerts = await db.RowsAsync("SELECT period_start::text, threshold_pct FROM alert_events WHERE project_id = $1 ORDER BY period_start", projectId);
        Assert.Equal([["2026-11-01", 50], ["2026-12-01", 50]], alerts.Select(r => r.ToArray()).ToArray());

        // A report that never arrives is corrected by the periodic re-sum.
        await InsertRequestAsync(connection, null, Guid.NewGuid(), clock.GetUtcNow(), 1.5m, projectId);
        await ledger.ResyncAsync(default);
        Assert.Equal(7.5m, (await ledger.GetAsync(reservations, default)).SpentUsd);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
