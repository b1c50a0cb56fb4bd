using System.Text.Json;
using LatticeLock.Grains.Abstractions.Sessions;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>
/// The whole pipeline against real stores: a sink that goes down does not slow or fail recording, its failures show,
/// and once it is back every point recorded meanwhile arrives exactly once, with nothing re-sent.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class SinkOutageTests(ServersFixture servers)
{
    [Fact]
    public async Task Timestream_outage_recording_goes_on_and_the_backlog_arrives_once_after_a_restart()
    {
        var moto = await servers.TimestreamEmulatorAsync();
        using var timestream = new MotoTimestream(moto);
        var (tsDatabase, tsTable) = ("db_" + Guid.NewGuid().ToString("N")[..10], "requests"); // created by the sink (CreateTableIfMissing)
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database, settings: new Dictionary<string, string>
        {
            ["Metrics:Sinks"] = "postgres,timestream",
            ["Metrics:PollInterval"] = "00:00:00.200",
            ["Metrics:MaxRetryDelay"] = "00:00:01",
            ["ConnectionStrings:timestream"] = moto.ConnectionString,
            ["Metrics:Timestream:Region"] = MotoTimestream.Region,
            ["Metrics:Timestream:Database"] = tsDatabase,
            ["Metrics:Timestream:Table"] = tsTable,
            ["Metrics:Timestream:AccessKeyId"] = MotoTimestream.AnyCredentials.AccessKeyId,
            ["Metrics:Timestream:SecretAccessKey"] = MotoTimestream.AnyCredentials.SecretAccessKey,
            ["Metrics:Timestream:MaxAttempts"] = "2",
            ["Metrics:Timestream:RequestTimeout"] = "00:00:02",
            ["Metrics:Timestream:CreateTableIfMissing"] = "true",
        });
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);

        var before = Enumerable.Range(0, 30).Select(_ => Scenario.Request()).ToList();
        foreach (var r in before) await session.RecordModelRequest(r);
        Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT delivered = 30 FROM metric_sink_cursors WHERE sink = 'timestream'"));
        Assert.Equal(before.Select(r => r.Id).Order(), RequestIds(await timestream.RecordsAsync(tsDatabase, tsTable)).Order());

        await moto.HaltAsync();
        List<ModelRequestRecord> during;
        try
        {
            during = Enumerable.Range(0, 30).Select(_ => Scenario.Request()).ToList();
            foreach (var r in during) Assert.False((await session.RecordModelRequest(r)).WasDuplicate); // recording does not wait for the sink
            Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT consecutive_failures > 0 AND last_error IS NOT NULL FROM metric_sink_cursors WHERE sink = 'timestream'"));
            Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT count(*) = 60 FROM metric_points"));  // the other sink keeps up meanwhile
        }
        finally
        {
            await moto.RestartAsync();
        }
        // The emulator keeps nothing across a restart; the sink creates its table again, then the backlog flows.
        Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT consecutive_failures = 0 AND delivered = 60 FROM metric_sink_cursors WHERE sink = 'timestream'"));
        var stored = RequestIds(await timestream.RecordsAsync(tsDatabase, tsTable));
        Assert.Equal(during.Select(r => r.Id).Order(), stored.Order()); // each outage point once; none of the earlier ones re-sent
        Assert.Equal(60L, await db.ScalarAsync<long>("SELECT count(DISTINCT request_id) FROM metric_points"));
    }

    [Fact]
    public async Task Bigtable_and_postgres_dual_write_survives_a_bigtable_outage_and_every_point_arrives_once()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var table = "t_" + Guid.NewGuid().ToString("N")[..10];
        var database = await servers.CreateDatabaseAsync();
        await using var db = new Db(database);
        await using var cluster = await LatticeCluster.StartAsync(database, settings: new Dictionary<string, string>
        {
            ["Metrics:Sinks"] = "postgres,bigtable",
            ["Metrics:PollInterval"] = "00:00:00.200",
            ["Metrics:MaxRetryDelay"] = "00:00:01",
            ["ConnectionStrings:bigtable"] = emulator.ConnectionString,
            ["Metrics:Bigtable:ProjectId"] = "p",
            ["Metrics:Bigtable:InstanceId"] = "i",
            ["Metrics:Bigtable:TableId"] = table,
            ["Metrics:Bigtable:CreateTableIfMissing"] = "true",
            ["Metrics:Bigtable:MaxAttempts"] = "2",
            ["Metrics:Bigtable:CallTimeout"] = "00:00:02",
        });
        var sessionId = await Scenario.NewSessionAsync(cluster.GrainFactory);
        var session = cluster.GrainFactory.GetGrain<ISessionGrain>(sessionId);
        var emulatorUri = new Uri(emulator.ConnectionString);

        var before = Enumerable.Range(0, 25).Select(_ => Scenario.Request()).ToList();
        foreach (var r in before) await session.RecordModelRequest(r);
        Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT delivered = 25 FROM metric_sink_cursors WHERE sink = 'bigtable'"));
        var rows = await CbtTool.ReadAsync(emulatorUri, "p", "i", table);
        Assert.Equal(before.Select(r => r.Id).Order(), rows.Select(r => Guid.Parse(r.Key[(r.Key.LastIndexOf('#') + 1)..])).Order());
        Assert.All(rows, r => Assert.Equal("250", r["m:latency_ms"].Value));

        await emulator.HaltAsync();
        List<ModelRequestRecord> during;
        try
        {
            during = Enumerable.Range(0, 25).Select(_ => Scenario.Request()).ToList();
            foreach (var r in during) Assert.False((await session.RecordModelRequest(r)).WasDuplicate);
            Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT consecutive_failures > 0 FROM metric_sink_cursors WHERE sink = 'bigtable'"));
            Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT count(*) = 50 FROM metric_points"));
        }
        finally
        {
            await emulator.RestartAsync();
        }
        // The emulator restarts empty; the sink (CreateTableIfMissing, local runs only) creates the table again.
        Assert.True(await Eventually.TrueInDatabaseAsync(db, "SELECT consecutive_failures = 0 AND delivered = 50 FROM metric_sink_cursors WHERE sink = 'bigtable'"));
        rows = await CbtTool.ReadAsync(emulatorUri, "p", "i", table);
        Assert.Equal(during.Select(r => r.Id).Order(), rows.Select(r => Guid.Parse(r.Key[(r.Key.LastIndexOf('#') + 1)..])).Order());
        var health = await db.RowsAsync("SELECT sink, delivered FROM metric_sink_cursors ORDER BY sink");
        Assert.Equal(new object?[] { "bigtable", 50L }, health[1]);
        Assert.Equal(new object?[] { "postgres", 50L }, health[2]);
    }

    internal static List<Guid> RequestIds(List<JsonElement> records) =>
        [.. records.Select(r => Guid.Parse(r.GetProperty("Dimensions").EnumerateArray().Single(d => d.GetProperty("Name").GetString() == "request_id").GetProperty("Value").GetString()!))];
}
