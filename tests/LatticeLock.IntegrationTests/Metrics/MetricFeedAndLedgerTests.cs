using LatticeLock.Storage;
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
    private static async Task InsertRequestAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, DateTimeOffset at, decimal cost = 0m, Guid? projectId = null,
        DateTimeOffset? recordedAt = null, Guid? reservationId = null)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO model_requests (id, model_id, provider, requested_at, status, input_cost_usd, output_cost_usd, project_id, recorded_at, reservation_id)
            VALUES ($1, 'm', 'p', $2, 'success', $3, 0, $4, coalesce($5, now()), $6)
            """, connection, transaction);
        insert.Parameters.AddWithValue(id);
        insert.Parameters.AddWithValue(at);
        insert.Parameters.AddWithValue(cost);
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)projectId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)recordedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)reservationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
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
        var sink = new PostgresMetricSink(dataSource);
        var old = new MetricPoint(Guid.NewGuid(), new DateTimeOffset(2019, 5, 10, 12, 0, 0, TimeSpan.Zero), null, null, null, "p", "m", null, "success", 10, 1, 1, 0.5m);
        Assert.Equal(1, (await sink.WriteAsync([old], default)).Written);
        Assert.Equal(1, (await sink.WriteAsync([old], default)).Written); // a replay stores nothing new
        Assert.Equal("metric_points_default", await db.ScalarAsync<string>("SELECT tableoid::regclass::text FROM metric_points WHERE request_id = $1", old.RequestId));

        var partitions = new MonthlyPartitions(dataSource, TimeProvider.System);
        var metricPoints = MonthlyPartitions.Tables.Single(t => t.Name == "metric_points");
        Assert.True(await partitions.EnsureAsync(metricPoints, new DateOnly(2019, 5, 1), default));
        Assert.False(await partitions.EnsureAsync(metricPoints, new DateOnly(2019, 5, 20), default));
        Assert.Equal("metric_points_2019_05", await db.ScalarAsync<string>("SELECT tableoid::regclass::text FROM metric_points WHERE request_id = $1", old.RequestId));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM metric_points"));

        // The one maintenance keeps this month and the next two of every partitioned table (the migrations made them already: idempotent).
        Assert.All(await partitions.EnsureAheadAsync(default), t => Assert.Equal(0, t.Created));
        var month = DateTime.UtcNow;
        foreach (var table in MonthlyPartitions.Tables)
            foreach (var m in new[] { month, month.AddMonths(1), month.AddMonths(2) })
                Assert.True(await db.ScalarAsync<bool>("SELECT to_regclass($1) IS NOT NULL", $"{table.Name}_{m:yyyy_MM}"), $"{table.Name}_{m:yyyy_MM}");
    }

    [Fact]
    public async Task Spend_and_alerts_start_afresh_when_the_month_turns_and_count_by_when_a_request_was_recorded()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var (userId, projectId) = (Guid.NewGuid(), Guid.NewGuid());
        await db.ScalarAsync<int>("INSERT INTO users (id, email) VALUES ($1, 'rollover@example.com') RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO workspaces (id, name, slug, personal_of) VALUES ($1, 'Personal', 'u-' || replace($1::text, '-', ''), $1) RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO projects (id, owner_id, name, workspace_id) VALUES ($1, $2, 'rollover', $2) RETURNING 1", projectId, userId);
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 23, 50, 0, TimeSpan.Zero));
        var ledger = new ProjectBudgetLedger(projectId, new BudgetRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, clock)), new AlertEventRepository(dataSource), clock, WebhookTargetPolicy.PublicOnly, NullLogger.Instance);
        List<ReservationState> reservations = [];
        await using var connection = await dataSource.OpenConnectionAsync();

        await InsertRequestAsync(connection, null, Guid.NewGuid(), clock.GetUtcNow(), 6m, projectId, recordedAt: clock.GetUtcNow());
        await ledger.LoadAsync(default);
        var november = await ledger.SetAsync(new BudgetSettings(10m, [50], null), reservations, userId, null, default);
        Assert.Equal(6m, november.SpentUsd);

        // December. A request the client dates 23:59 on 30 November but that is recorded now is December's spend: the
        // client's clock (or a backfill) never moves cost out of the month that pays for it.
        clock.Now = new DateTimeOffset(2026, 12, 1, 0, 5, 0, TimeSpan.Zero);
        var late = Guid.NewGuid();
        await InsertRequestAsync(connection, null, late, new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero), 1m, projectId, recordedAt: clock.GetUtcNow());
        await ledger.RecordSpendAsync(new ProjectSpend(late, 1m, clock.GetUtcNow(), null), reservations, default);
        var first = Guid.NewGuid();
        await InsertRequestAsync(connection, null, first, clock.GetUtcNow(), 2m, projectId, recordedAt: clock.GetUtcNow());
        await ledger.RecordSpendAsync(new ProjectSpend(first, 2m, clock.GetUtcNow(), null), reservations, default);
        var december = await ledger.GetAsync(reservations, default);
        Assert.Equal(3m, december.SpentUsd);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), december.PeriodStart);

        var second = Guid.NewGuid();
        await InsertRequestAsync(connection, null, second, clock.GetUtcNow(), 4m, projectId, recordedAt: clock.GetUtcNow());
        await ledger.RecordSpendAsync(new ProjectSpend(second, 4m, clock.GetUtcNow(), null), reservations, default);
        await ledger.RecordSpendAsync(new ProjectSpend(second, 4m, clock.GetUtcNow(), null, Duplicate: true), reservations, default); // a retry
        Assert.Equal(7m, (await ledger.GetAsync(reservations, default)).SpentUsd);
        var alerts = await db.RowsAsync("SELECT period_start::text, threshold_pct FROM alert_events WHERE project_id = $1 ORDER BY period_start", projectId);
        Assert.Equal([["2026-11-01", 50], ["2026-12-01", 50]], alerts.Select(r => r.ToArray()).ToArray());

        // A report that never arrives is corrected by the periodic re-sum.
        await InsertRequestAsync(connection, null, Guid.NewGuid(), clock.GetUtcNow(), 1.5m, projectId, recordedAt: clock.GetUtcNow());
        await ledger.ResyncAsync(reservations, default);
        Assert.Equal(8.5m, (await ledger.GetAsync(reservations, default)).SpentUsd);
    }

    [Fact]
    public async Task Settlement_is_idempotent_by_request_id_never_settles_an_expired_reservation_and_the_resync_settles_lost_reports()
    {
        var database = await servers.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var db = new Db(database);
        var (userId, projectId) = (Guid.NewGuid(), Guid.NewGuid());
        await db.ScalarAsync<int>("INSERT INTO users (id, email) VALUES ($1, 'settle@example.com') RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO workspaces (id, name, slug, personal_of) VALUES ($1, 'Personal', 'u-' || replace($1::text, '-', ''), $1) RETURNING 1", userId);
        await db.ScalarAsync<int>("INSERT INTO projects (id, owner_id, name, workspace_id) VALUES ($1, $2, 'settle', $2) RETURNING 1", projectId, userId);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var ledger = new ProjectBudgetLedger(projectId, new BudgetRepository(dataSource, new LatticeLock.Storage.Audit.AuditLog(dataSource, clock)), new AlertEventRepository(dataSource), clock, WebhookTargetPolicy.PublicOnly, NullLogger.Instance);
        List<ReservationState> reservations = [];
        await using var connection = await dataSource.OpenConnectionAsync();
        await ledger.LoadAsync(default);
        await ledger.SetAsync(new BudgetSettings(10m, [], null), reservations, userId, null, default);

        // Settled once by its request; the retry of that request is answered "settled" again and counts nothing.
        var a = await ledger.ReserveAsync(new ReserveBudget(4m, 600), reservations, NeverHeld, default);
        var requestA = Guid.NewGuid();
        await InsertRequestAsync(connection, null, requestA, clock.GetUtcNow(), 3m, projectId);
        Assert.True(await ledger.RecordSpendAsync(new ProjectSpend(requestA, 3m, clock.GetUtcNow(), a.ReservationId), reservations, default));
        Assert.True(await ledger.RecordSpendAsync(new ProjectSpend(requestA, 3m, clock.GetUtcNow(), a.ReservationId, Duplicate: true), reservations, default));
        Assert.False(await ledger.RecordSpendAsync(new ProjectSpend(Guid.NewGuid(), 0m, clock.GetUtcNow(), a.ReservationId), reservations, default)); // another request
        var status = await ledger.GetAsync(reservations, default);
        Assert.Equal((3m, 0m, 7m), (status.SpentUsd, status.ReservedUsd, status.RemainingUsd));

        // An expired reservation is not reported settled (it released itself when it expired).
        var b = await ledger.ReserveAsync(new ReserveBudget(2m, 60), reservations, NeverHeld, default);
        clock.Now += TimeSpan.FromSeconds(61);
        Assert.False(await ledger.RecordSpendAsync(new ProjectSpend(Guid.NewGuid(), 0m, clock.GetUtcNow(), b.ReservationId), reservations, default));

        // A request stored with a reservation whose report was lost: the re-sum counts it and settles the reservation,
        // so its amount is never both spent and reserved.
        var c = await ledger.ReserveAsync(new ReserveBudget(5m, 600), reservations, NeverHeld, default);
        await InsertRequestAsync(connection, null, Guid.NewGuid(), clock.GetUtcNow(), 4m, projectId, recordedAt: clock.GetUtcNow(), reservationId: c.ReservationId);
        Assert.Equal(5m, (await ledger.GetAsync(reservations, default)).ReservedUsd);
        Assert.True(await ledger.ResyncAsync(reservations, default));
        status = await ledger.GetAsync(reservations, default);
        Assert.Equal((7m, 0m, 3m), (status.SpentUsd, status.ReservedUsd, status.RemainingUsd));
        Assert.Empty(reservations);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>No reservation id was held before (these reservations carry no client id).</summary>
    private static Task<bool> NeverHeld(Guid id, CancellationToken cancellationToken) => Task.FromResult(false);
}
