using System.Globalization;
using Grpc.Core;
using LatticeLock.Testing;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Bigtable;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>The Bigtable sink against the Cloud Bigtable emulator, read back with our ReadRows and with Google's cbt.</summary>
[Collection(ServersCollection.Name)]
public sealed class BigtableSinkEmulatorTests(ServersFixture servers)
{
    private const string Project = "p";
    private const string Instance = "i";

    private static BigtableOptions Options(LocalServer emulator, string? table = null) => new()
    {
        ProjectId = Project,
        InstanceId = Instance,
        TableId = table ?? "t_" + Guid.NewGuid().ToString("N")[..10],
        Endpoint = new Uri(emulator.ConnectionString),
        CreateTableIfMissing = true,
        MaxAttempts = 4,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
        CallTimeout = TimeSpan.FromSeconds(10),
    };

    private static Dictionary<string, string> ExpectedCells(MetricPoint p)
    {
        var cells = new Dictionary<string, string>
        {
            ["input_tokens"] = p.InputTokens.ToString(CultureInfo.InvariantCulture),
            ["output_tokens"] = p.OutputTokens.ToString(CultureInfo.InvariantCulture),
            ["status"] = p.Status,
        };
        if (p.LatencyMs is { } latency) cells["latency_ms"] = latency.ToString(CultureInfo.InvariantCulture);
        if (p.CostUsd is { } cost) cells["cost_usd"] = cost.ToString(CultureInfo.InvariantCulture);
        if (p.TaskType is { } task) cells["task_type"] = task;
        if (p.ProjectId is { } project) cells["project_id"] = project.ToString();
        if (p.UserId is { } user) cells["user_id"] = user.ToString();
        if (p.SessionId is { } session) cells["session_id"] = session.ToString();
        return cells;
    }

    private static List<MetricPoint> ThreeModels(int perModel) =>
        [.. MetricPoints.Many(perModel, "openai", "gpt-4o"), .. MetricPoints.Many(perModel, "anthropic", "claude#3"), .. MetricPoints.Many(perModel, "acme", "m-large")];

    [Fact]
    public async Task Points_are_stored_one_row_each_and_read_back_with_ReadRows_and_with_cbt()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var options = Options(emulator);
        using var sink = new BigtableMetricSink(options);
        var points = ThreeModels(4);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(12, result.Written);
        Assert.Empty(result.Rejected);
        var rows = await sink.CreateReader().ReadRowsAsync(null, 0, default);
        Assert.Equal(points.Select(BigtableRowKey.For).Order(StringComparer.Ordinal), rows.Select(r => r.Key));
        var byKey = rows.ToDictionary(r => r.Key);
        foreach (var point in points)
        {
            var row = byKey[BigtableRowKey.For(point)];
            Assert.Equal(ExpectedCells(point).OrderBy(c => c.Key), row.Values("m").OrderBy(c => c.Key));
            Assert.All(row.Cells, c => Assert.Equal(point.Time.ToUnixTimeMilliseconds() * 1000, c.TimestampMicros));
            Assert.All(row.Cells, c => Assert.Equal("m", c.Family));
        }
        Assert.Contains(rows, r => !r.Values("m").ContainsKey("latency_ms")); // nulls are left out, and the data has some
        Assert.Contains(rows, r => !r.Values("m").ContainsKey("cost_usd"));

        var cbtRows = await CbtTool.ReadAsync(new Uri(emulator.ConnectionString), Project, Instance, options.TableId);
        Assert.Equal(rows.Select(r => r.Key), cbtRows.Select(r => r.Key));
        foreach (var point in points)
        {
            var row = cbtRows.Single(r => r.Key == BigtableRowKey.For(point));
            Assert.Equal(ExpectedCells(point).Select(c => ("m:" + c.Key, c.Value)).OrderBy(c => c.Item1), row.Cells.Select(c => (c.Column, c.Value)).OrderBy(c => c.Item1));
            Assert.All(row.Cells, c => Assert.Equal(point.Time.UtcDateTime.ToString("yyyy/MM/dd-HH:mm:ss.ffffff", CultureInfo.InvariantCulture), c.Timestamp));
        }
        var claude = points.First(p => p.ModelId == "claude#3");
        Assert.StartsWith(BigtableRowKey.Salt("anthropic", "claude#3") + "#anthropic#claude%233#", BigtableRowKey.For(claude));
        Assert.Equal(claude.Status, cbtRows.Single(r => r.Key == BigtableRowKey.For(claude))["m:status"].Value);
    }

    [Fact]
    public async Task A_replay_rewrites_the_same_rows_and_cells_so_each_point_stays_one_row_with_one_version_per_cell()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var options = Options(emulator);
        var points = ThreeModels(7);
        using (var sink = new BigtableMetricSink(options))
        {
            Assert.Equal(21, (await sink.WriteAsync(points, default)).Written);
            Assert.Equal(21, (await sink.WriteAsync(points, default)).Written);
        }
        var smallCalls = Options(emulator, options.TableId);
        smallCalls.MaxMutationsPerCall = 25;
        using var again = new BigtableMetricSink(smallCalls);
        var replay = await again.WriteAsync([.. points.AsEnumerable().Reverse(), points[0]], default);
        Assert.Equal(22, replay.Written);
        Assert.Empty(replay.Rejected);
        Assert.True(again.MutateRowsCalls >= 7, $"expected the replay in several calls, got {again.MutateRowsCalls}");

        var rows = await again.CreateReader().ReadRowsAsync(null, 0, default);
        Assert.Equal(21, rows.Count);
        foreach (var point in points)
        {
            var row = rows.Single(r => r.Key == BigtableRowKey.For(point));
            Assert.Equal(ExpectedCells(point).Count, row.Cells.Count); // one version per column: the same timestamp overwrote
            Assert.Equal(ExpectedCells(point).OrderBy(c => c.Key), row.Values("m").OrderBy(c => c.Key));
        }
    }

    [Fact]
    public async Task Large_batches_are_split_into_calls_under_the_mutation_limit()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var options = Options(emulator);
        options.MaxMutationsPerCall = 1_000;
        var interceptor = new MutateRowsInterceptor();
        using var sink = new BigtableMetricSink(options, interceptor: interceptor);
        var points = MetricPoints.Many(250);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(250, result.Written);
        var mutationsPerCall = interceptor.Calls.Select(c => c.Request.Entries.Sum(e => e.Mutations.Count)).ToList();
        Assert.True(mutationsPerCall.Count >= 3, $"expected at least 3 calls, got {mutationsPerCall.Count}");
        Assert.All(mutationsPerCall[..^1], m => Assert.InRange(m, 990, 1_000)); // full calls...
        Assert.InRange(mutationsPerCall[^1], 1, 1_000); // ...and the rest
        Assert.Equal(points.Sum(p => BigtableMetricRow.FromPoint(p, "m").Entry!.Mutations.Count), mutationsPerCall.Sum());
        Assert.Equal(250, interceptor.Calls.Sum(c => c.Request.Entries.Count));
        Assert.Equal(250, (await sink.CreateReader().ReadRowsAsync(null, 0, default)).Count);
    }

    [Fact]
    public async Task Row_keys_spread_models_over_the_key_space_and_keep_each_series_one_time_ordered_range()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        using var sink = new BigtableMetricSink(Options(emulator));
        var models = Enumerable.Range(1, 20).Select(i => $"model-{i}").ToList();
        var points = models.SelectMany(m => MetricPoints.Many(3, "openai", m)).ToList();
        Assert.Equal(60, (await sink.WriteAsync(points, default)).Written);

        var rows = (await sink.CreateReader().ReadRowsAsync(null, 0, default)).ToList();
        var salts = rows.Select(r => r.Key[..2]).ToList();
        Assert.All(salts, s => Assert.Matches("^[0-9a-f]{2}$", s));
        Assert.True(salts.Distinct().Count() >= 12, $"20 models landed on only {salts.Distinct().Count()} salts");
        // In key order, the one provider's models do not follow each other alphabetically (no provider-wide hot range)...
        var modelOrder = rows.Select(r => r.Key.Split('#')[2]).Distinct().ToList();
        Assert.NotEqual(models.Order(StringComparer.Ordinal), modelOrder);
        // ...yet each series is contiguous and newest first.
        foreach (var model in models)
        {
            var series = rows.Where(r => r.Key.Split('#')[2] == model).ToList();
            var first = rows.IndexOf(series[0]);
            Assert.Equal(series, rows.Skip(first).Take(series.Count));
            var times = series.Select(r => r.Cells[0].TimestampMicros).ToList();
            Assert.Equal(times.OrderDescending(), times);
        }

        var window = await sink.CreateReader().ReadSeriesAsync("openai", "model-7", MetricPoints.BaseTime.AddMilliseconds(1_001), MetricPoints.BaseTime.AddMilliseconds(2_002), default);
        var expected = points.Where(p => p.ModelId == "model-7" && p.Time >= MetricPoints.BaseTime.AddMilliseconds(1_001)).Select(BigtableRowKey.For);
        Assert.Equal(expected.Order(StringComparer.Ordinal), window.Select(r => r.Key));
        Assert.Equal(2, window.Count);
    }

    [Fact]
    public async Task Failed_entries_alone_are_retried_and_non_retryable_ones_are_rejected()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var interceptor = new MutateRowsInterceptor
        {
            Fault = (call, position) => (call, position) switch
            {
                (1, 1) => StatusCode.Unavailable,
                (1, 2) => StatusCode.InvalidArgument,
                (1, 4) => StatusCode.ResourceExhausted,
                (2, 0) => StatusCode.Aborted, // point 1 again
                _ => null,
            },
        };
        using var sink = new BigtableMetricSink(Options(emulator), interceptor: interceptor);
        var points = MetricPoints.Many(6);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(5, result.Written);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(points[2].RequestId, rejected.RequestId);
        Assert.Equal("InvalidArgument: injected InvalidArgument", rejected.Reason);
        var keys = interceptor.Calls.Select(c => c.Request.Entries.Select(e => e.RowKey.ToStringUtf8()).ToList()).ToList();
        Assert.Equal(3, keys.Count);
        Assert.Equal(points.Select(BigtableRowKey.For), keys[0]);
        Assert.Equal([BigtableRowKey.For(points[1]), BigtableRowKey.For(points[4])], keys[1]);
        Assert.Equal([BigtableRowKey.For(points[1])], keys[2]);
        var stored = (await sink.CreateReader().ReadRowsAsync(null, 0, default)).Select(r => r.Key).ToHashSet();
        Assert.Equal(points.Where((_, i) => i != 2).Select(BigtableRowKey.For).ToHashSet(), stored);
    }

    [Fact]
    public async Task An_entry_that_keeps_failing_makes_the_write_throw_after_the_attempt_limit()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var interceptor = new MutateRowsInterceptor { Fault = (_, position) => position == 0 ? StatusCode.Unavailable : null };
        using var sink = new BigtableMetricSink(Options(emulator), interceptor: interceptor);

        var error = await Assert.ThrowsAsync<MetricSinkUnavailableException>(() => sink.WriteAsync(MetricPoints.Many(3), default));

        Assert.Equal(4, error.Attempts);
        Assert.Equal(4, interceptor.Calls.Count);
        Assert.Equal([3, 1, 1, 1], interceptor.Calls.Select(c => c.Request.Entries.Count));
        Assert.Equal(StatusCode.Unavailable, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task Calls_carry_the_routing_header_and_the_bearer_token()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var options = Options(emulator);
        var interceptor = new MutateRowsInterceptor();
        using (var anonymous = new BigtableMetricSink(options, interceptor: interceptor))
            await anonymous.WriteAsync(MetricPoints.Many(1), default);
        using (var withToken = new BigtableMetricSink(options, tokens: new StaticAccessTokenSource("ya29.test-token"), interceptor: interceptor))
            await withToken.WriteAsync(MetricPoints.Many(1), default);

        var calls = interceptor.Calls;
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal($"table_name=projects%2Fp%2Finstances%2Fi%2Ftables%2F{options.TableId}", c.Headers.GetValue("x-goog-request-params")));
        Assert.Null(calls[0].Headers.Get("authorization")); // the plaintext emulator gets no token
        Assert.Equal("Bearer ya29.test-token", calls[1].Headers.GetValue("authorization"));
        Assert.All(calls, c => Assert.Equal($"projects/p/instances/i/tables/{options.TableId}", c.Request.TableName));
    }

    [Fact]
    public async Task A_missing_table_is_an_error_unless_creation_is_allowed()
    {
        var emulator = await servers.BigtableEmulatorAsync();
        var options = Options(emulator);
        options.CreateTableIfMissing = false;
        using var sink = new BigtableMetricSink(options);

        var error = await Assert.ThrowsAsync<RpcException>(() => sink.WriteAsync(MetricPoints.Many(2), default));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(1, sink.MutateRowsCalls);
    }

    [Fact]
    public async Task An_outage_exhausts_the_retries_and_throws_then_writes_succeed_once_the_emulator_is_back()
    {
        await using var emulator = await LocalServer.StartAsync("bigtable"); // its own emulator, to halt it
        var options = Options(emulator);
        using var sink = new BigtableMetricSink(options);
        Assert.Equal(2, (await sink.WriteAsync(MetricPoints.Many(2), default)).Written);

        await emulator.HaltAsync();
        var callsBefore = sink.MutateRowsCalls;
        var outage = await Assert.ThrowsAsync<MetricSinkUnavailableException>(() => sink.WriteAsync(MetricPoints.Many(3), default));
        Assert.Equal(4, outage.Attempts);
        Assert.Equal(4, sink.MutateRowsCalls - callsBefore);
        Assert.Equal(StatusCode.Unavailable, Assert.IsType<RpcException>(outage.InnerException).StatusCode);

        await emulator.RestartAsync(); // same port, empty: the sink re-creates the table (CreateTableIfMissing)
        // Like the pump, re-send until accepted: the channel reconnects within its capped reconnect backoff (2 s).
        var points = MetricPoints.Many(3);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        MetricSinkWriteResult? result = null;
        while (result is null)
        {
            try { result = await sink.WriteAsync(points, default); }
            catch (MetricSinkUnavailableException) when (stopwatch.Elapsed < TimeSpan.FromSeconds(15)) { await Task.Delay(200); }
        }
        Assert.Equal(3, result.Written);
        Assert.Equal(points.Select(BigtableRowKey.For).Order(StringComparer.Ordinal), (await sink.CreateReader().ReadRowsAsync(null, 0, default)).Select(r => r.Key));
    }
}
