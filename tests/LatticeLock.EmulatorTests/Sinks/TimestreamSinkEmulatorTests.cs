using System.Globalization;
using System.Text.Json;
using LatticeLock.Testing;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Timestream;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>The Timestream sink against moto_server: what it stores, batching, replays, signatures, errors and outages.</summary>
[Collection(ServersCollection.Name)]
public sealed class TimestreamSinkEmulatorTests(ServersFixture servers)
{
    private static Dictionary<string, string> Dimensions(JsonElement record) =>
        record.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => d.GetProperty("Value").GetString()!);

    private static Dictionary<string, (string Value, string Type)> Measures(JsonElement record) =>
        record.GetProperty("MeasureValues").EnumerateArray().ToDictionary(
            m => m.GetProperty("Name").GetString()!, m => (m.GetProperty("Value").GetString()!, m.GetProperty("Type").GetString()!));

    [Fact]
    public async Task Points_are_stored_as_one_multi_measure_record_each_with_their_dimensions_measures_and_time()
    {
        using var moto = new MotoTimestream(await servers.TimestreamEmulatorAsync());
        var (database, table) = await moto.CreateTableAsync();
        using var sink = new TimestreamMetricSink(moto.Options(database, table));
        var points = MetricPoints.Many(12);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(12, result.Written);
        Assert.Empty(result.Rejected);
        var records = await moto.RecordsAsync(database, table);
        Assert.Equal(12, records.Count);
        var byRequest = records.ToDictionary(r => Guid.Parse(Dimensions(r)["request_id"]));
        foreach (var point in points)
        {
            var record = byRequest[point.RequestId];
            var expectedDimensions = new Dictionary<string, string>
            {
                ["provider"] = "acme", ["model_id"] = "m-large", ["status"] = point.Status, ["request_id"] = point.RequestId.ToString(),
            };
            if (point.TaskType is not null) expectedDimensions["task_type"] = point.TaskType;
            if (point.ProjectId is { } project) expectedDimensions["project_id"] = project.ToString();
            Assert.Equal(expectedDimensions.OrderBy(d => d.Key), Dimensions(record).OrderBy(d => d.Key));

            var expectedMeasures = new Dictionary<string, (string, string)>
            {
                ["input_tokens"] = (point.InputTokens.ToString(CultureInfo.InvariantCulture), "BIGINT"),
                ["output_tokens"] = (point.OutputTokens.ToString(CultureInfo.InvariantCulture), "BIGINT"),
                ["success"] = (point.Status == "success" ? "1" : "0", "BIGINT"),
            };
            if (point.LatencyMs is { } latency) expectedMeasures["latency_ms"] = (latency.ToString(CultureInfo.InvariantCulture), "BIGINT");
            if (point.CostUsd is { } cost) expectedMeasures["cost_usd"] = (cost.ToString(CultureInfo.InvariantCulture), "DOUBLE");
            Assert.Equal(expectedMeasures.OrderBy(m => m.Key), Measures(record).OrderBy(m => m.Key));

            Assert.Equal(point.Time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), record.GetProperty("Time").GetString());
        }
        // The nulls of the test data really occur, so "omitted when null" was exercised.
        Assert.Contains(records, r => !Measures(r).ContainsKey("latency_ms"));
        Assert.Contains(records, r => !Measures(r).ContainsKey("cost_usd"));
        Assert.Contains(records, r => !Dimensions(r).ContainsKey("project_id"));
        Assert.Contains(records, r => !Dimensions(r).ContainsKey("task_type"));
    }

    [Fact]
    public async Task A_replayed_batch_sends_records_identical_to_the_first_so_timestream_stores_each_point_once()
    {
        using var moto = new MotoTimestream(await servers.TimestreamEmulatorAsync());
        var (database, table) = await moto.CreateTableAsync();
        var points = MetricPoints.Many(30);
        using (var sink = new TimestreamMetricSink(moto.Options(database, table)))
        {
            Assert.Equal(30, (await sink.WriteAsync(points, default)).Written);
            var replay = await sink.WriteAsync(points, default); // the pump re-sends after an unknown outcome
            Assert.Equal(30, replay.Written);
            Assert.Empty(replay.Rejected);
        }
        var first = await moto.RecordsAsync(database, table);
        Assert.Equal(60, first.Count); // moto appends every record it receives; Timestream would upsert

        // A replay with other batch boundaries, and with a point twice in one batch: still the same records.
        var options = moto.Options(database, table);
        options.MaxRecordsPerCall = 7;
        using (var sink = new TimestreamMetricSink(options))
        {
            var shuffled = points.AsEnumerable().Reverse().Append(points[3]).ToList();
            var replay = await sink.WriteAsync(shuffled, default);
            Assert.Equal(31, replay.Written); // every input point is stored; the doubled one is sent once
            Assert.Empty(replay.Rejected);
        }
        var all = await moto.RecordsAsync(database, table);
        Assert.Equal(90, all.Count);

        // Timestream identifies a record by its dimensions, measure name and time, and takes an identical re-write as
        // a no-op: 30 identities, each received three times with byte-identical content, is 30 stored records.
        var groups = all.GroupBy(r => string.Join("|", Dimensions(r).OrderBy(d => d.Key)) + "@" + r.GetProperty("Time").GetString()).ToList();
        Assert.Equal(30, groups.Count);
        Assert.All(groups, g =>
        {
            Assert.Equal(3, g.Count());
            Assert.Single(g.Select(r => r.GetRawText()).Distinct());
        });
        Assert.Equal(points.Select(p => p.RequestId).Order(), groups.Select(g => Guid.Parse(Dimensions(g.First())["request_id"])).Order());
    }

    [Fact]
    public async Task A_batch_of_250_points_is_written_in_three_calls_of_at_most_100_records()
    {
        using var moto = new MotoTimestream(await servers.TimestreamEmulatorAsync());
        var (database, table) = await moto.CreateTableAsync();
        using var handler = new RecordingHandler();
        using var sink = new TimestreamMetricSink(moto.Options(database, table), handler);

        var result = await sink.WriteAsync(MetricPoints.Many(250), default);

        Assert.Equal(250, result.Written);
        Assert.Equal([100, 100, 50], handler.WriteRecordsSizes);
        Assert.Equal(3, sink.WriteRecordsCalls);
        Assert.DoesNotContain(handler.Requests, r => r.Target.EndsWith(".DescribeEndpoints", StringComparison.Ordinal)); // an override skips discovery
        Assert.Equal(250, (await moto.RecordsAsync(database, table)).Count);
    }

    [Fact]
    public async Task With_authentication_on_a_wrong_secret_is_refused_and_the_right_one_accepted()
    {
        await using var server = await LocalServer.StartAsync("moto"); // its own emulator: authentication stays on
        using var moto = new MotoTimestream(server);
        var (database, table) = await moto.CreateTableAsync();
        var credentials = await moto.EnableAuthenticationAsync();

        using (var forged = new TimestreamMetricSink(moto.Options(database, table, credentials with { SecretAccessKey = credentials.SecretAccessKey + "x" })))
        {
            var refused = await Assert.ThrowsAsync<TimestreamServiceException>(() => forged.WriteAsync(MetricPoints.Many(2), default));
            Assert.Equal(403, (int)refused.StatusCode);
            Assert.Equal("SignatureDoesNotMatch", refused.ErrorType);
            Assert.Contains("SignatureDoesNotMatch", refused.Message);
            Assert.Equal(1, forged.WriteRecordsCalls); // not retried
        }
        using (var unknownKey = new TimestreamMetricSink(moto.Options(database, table, MotoTimestream.AnyCredentials)))
        {
            var refused = await Assert.ThrowsAsync<TimestreamServiceException>(() => unknownKey.WriteAsync(MetricPoints.Many(1), default));
            Assert.Equal(403, (int)refused.StatusCode);
        }
        Assert.Empty(await moto.RecordsAsync(database, table));

        using var signed = new TimestreamMetricSink(moto.Options(database, table, credentials));
        var points = MetricPoints.Many(3);
        Assert.Equal(3, (await signed.WriteAsync(points, default)).Written);
        var stored = await moto.RecordsAsync(database, table);
        Assert.Equal(points.Select(p => p.RequestId.ToString()).Order(), stored.Select(r => Dimensions(r)["request_id"]).Order());
    }

    [Fact]
    public async Task A_missing_table_throws_with_the_aws_error_type_and_message_without_retrying()
    {
        using var moto = new MotoTimestream(await servers.TimestreamEmulatorAsync());
        var (database, _) = await moto.CreateTableAsync();
        using var sink = new TimestreamMetricSink(moto.Options(database, "no_such_table"));

        var error = await Assert.ThrowsAsync<TimestreamServiceException>(() => sink.WriteAsync(MetricPoints.Many(2), default));

        Assert.Equal("ResourceNotFoundException", error.ErrorType);
        Assert.Contains("ResourceNotFoundException", error.Message);
        Assert.Contains("no_such_table", error.Message);
        Assert.Equal(1, sink.WriteRecordsCalls);
    }

    [Fact]
    public async Task An_outage_exhausts_the_retries_and_throws_then_writes_succeed_once_the_emulator_is_back()
    {
        await using var server = await LocalServer.StartAsync("moto");
        using var moto = new MotoTimestream(server);
        var (database, table) = await moto.CreateTableAsync();
        using var sink = new TimestreamMetricSink(moto.Options(database, table));
        Assert.Equal(2, (await sink.WriteAsync(MetricPoints.Many(2), default)).Written);

        await server.HaltAsync();
        var callsBefore = sink.WriteRecordsCalls;
        var outage = await Assert.ThrowsAsync<MetricSinkUnavailableException>(() => sink.WriteAsync(MetricPoints.Many(5), default));
        Assert.Equal(3, outage.Attempts);
        Assert.Equal(3, sink.WriteRecordsCalls - callsBefore);
        Assert.IsType<HttpRequestException>(outage.InnerException);

        await server.RestartAsync(); // same port; moto keeps nothing in memory across a restart
        await moto.CreateTableAsync(database, table);
        var points = MetricPoints.Many(5);
        Assert.Equal(5, (await sink.WriteAsync(points, default)).Written);
        Assert.Equal(5, (await moto.RecordsAsync(database, table)).Count);
    }

    [Fact]
    public async Task Without_an_override_the_endpoint_comes_from_DescribeEndpoints_and_is_cached()
    {
        using var moto = new MotoTimestream(await servers.TimestreamEmulatorAsync());
        var options = moto.Options("db", "t");
        options.Endpoint = null;
        options.DiscoveryEndpoint = moto.Endpoint;
        using var handler = new RecordingHandler();
        using var sink = new TimestreamMetricSink(options, handler);

        var endpoint = await sink.Endpoints.ResolveAsync(default);
        var again = await sink.Endpoints.ResolveAsync(default);

        Assert.Equal(new Uri("https://ingest.timestream.us-east-1.amazonaws.com/"), endpoint);
        Assert.Equal(endpoint, again);
        Assert.Equal(1, sink.Endpoints.DiscoveryCalls);
        Assert.Equal(["Timestream_20181101.DescribeEndpoints"], handler.Requests.Select(r => r.Target));
    }
}
