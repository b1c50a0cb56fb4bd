using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Timestream;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>
/// The Timestream sink against a scripted local server, for the answers the emulator never gives: rejected records,
/// throttling, server errors, and endpoint discovery with a cache period.
/// </summary>
public sealed class TimestreamSinkFailureTests
{
    private static TimestreamOptions Options(Uri endpoint, int maxAttempts = 4) => new()
    {
        Region = "eu-west-1",
        Database = "db",
        Table = "requests",
        Endpoint = endpoint,
        AccessKeyId = "AKIDFAKE",
        SecretAccessKey = "secret",
        MaxAttempts = maxAttempts,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    private static int RecordCount(FakeTimestreamServer.Call call) => call.Body.RootElement.GetProperty("Records").GetArrayLength();

    [Fact]
    public async Task Rejected_records_are_reported_as_rejected_points_and_the_rest_of_the_call_as_written()
    {
        const string rejected = ""","RejectedRecords":[{"RecordIndex":1,"Reason":"A record with the same dimensions and time but other measure values already exists.","ExistingVersion":3},{"RecordIndex":3,"Reason":"The record timestamp is outside the time range of the memory store."}]""";
        await using var server = new FakeTimestreamServer((_, _) =>
            FakeTimestreamServer.Error(419, "RejectedRecordsException", "One or more records have been rejected. See RejectedRecords for details.", rejected));
        using var sink = new TimestreamMetricSink(Options(server.Endpoint));
        var points = MetricPoints.Many(5);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(3, result.Written);
        Assert.Equal(
            [
                new RejectedMetricPoint(points[1].RequestId, "A record with the same dimensions and time but other measure values already exists. (existing version 3)"),
                new RejectedMetricPoint(points[3].RequestId, "The record timestamp is outside the time range of the memory store."),
            ],
            result.Rejected.OrderBy(r => r.RequestId == points[1].RequestId ? 0 : 1));
        Assert.Single(server.Calls); // a rejection is final: no retry
    }

    [Fact]
    public async Task Rejected_record_indexes_refer_to_the_call_they_came_from()
    {
        // 250 points in calls of 100: the second call rejects its record 0, which is point 100.
        await using var server = new FakeTimestreamServer((_, n) => n == 2
            ? FakeTimestreamServer.Error(419, "RejectedRecordsException", "rejected", ""","RejectedRecords":[{"RecordIndex":0,"Reason":"bad"}]""")
            : FakeTimestreamServer.Ok());
        using var sink = new TimestreamMetricSink(Options(server.Endpoint));
        var points = MetricPoints.Many(250);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(249, result.Written);
        Assert.Equal(points[100].RequestId, Assert.Single(result.Rejected).RequestId);
        Assert.Equal([100, 100, 50], server.Calls.Select(RecordCount));
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_with_the_same_records_until_accepted()
    {
        await using var server = new FakeTimestreamServer((_, n) => n switch
        {
            1 => FakeTimestreamServer.Error(400, "ThrottlingException", "Rate exceeded"),
            2 => FakeTimestreamServer.Error(500, "InternalServerException", "Internal error"),
            3 => new FakeTimestreamServer.Answer(503, "<html>Service Unavailable</html>"),
            _ => FakeTimestreamServer.Ok(),
        });
        using var sink = new TimestreamMetricSink(Options(server.Endpoint, maxAttempts: 5));
        var points = MetricPoints.Many(4);

        var result = await sink.WriteAsync(points, default);

        Assert.Equal(4, result.Written);
        Assert.Empty(result.Rejected);
        var calls = server.CallsTo("WriteRecords");
        Assert.Equal(4, calls.Count);
        Assert.Single(calls.Select(c => c.Body.RootElement.GetProperty("Records").GetRawText()).Distinct());
        Assert.All(calls, c => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDFAKE/", c.Authorization));
    }

    [Fact]
    public async Task Throttling_past_the_attempt_limit_throws_unavailable_with_the_last_aws_error()
    {
        await using var server = new FakeTimestreamServer((_, _) => FakeTimestreamServer.Error(400, "ThrottlingException", "Rate exceeded"));
        using var sink = new TimestreamMetricSink(Options(server.Endpoint, maxAttempts: 3));

        var error = await Assert.ThrowsAsync<MetricSinkUnavailableException>(() => sink.WriteAsync(MetricPoints.Many(2), default));

        Assert.Equal(3, error.Attempts);
        Assert.Equal(3, server.Calls.Count);
        var last = Assert.IsType<TimestreamServiceException>(error.InnerException);
        Assert.Equal("ThrottlingException", last.ErrorType);
        Assert.Contains("Rate exceeded", error.Message);
    }

    [Fact]
    public async Task Validation_and_access_errors_throw_at_once_with_the_aws_type_and_message()
    {
        await using var server = new FakeTimestreamServer((_, _) =>
            new FakeTimestreamServer.Answer(400, """{"__type":"com.amazonaws.timestream.v20181101#AccessDeniedException","Message":"User is not authorized to perform timestream:WriteRecords"}"""));
        using var sink = new TimestreamMetricSink(Options(server.Endpoint));

        var error = await Assert.ThrowsAsync<TimestreamServiceException>(() => sink.WriteAsync(MetricPoints.Many(2), default));

        Assert.Equal("AccessDeniedException", error.ErrorType);
        Assert.Equal("Timestream WriteRecords failed: HTTP 400 AccessDeniedException: User is not authorized to perform timestream:WriteRecords", error.Message);
        Assert.Single(server.Calls);
    }

    [Fact]
    public async Task A_validation_error_for_the_whole_call_is_a_refusal_not_retried()
    {
        await using var server = new FakeTimestreamServer((_, _) =>
            new FakeTimestreamServer.Answer(400, """{"__type":"com.amazonaws.timestream.v20181101#ValidationException","Message":"Invalid time for record"}"""));
        using var sink = new TimestreamMetricSink(Options(server.Endpoint));

        var refused = await Assert.ThrowsAsync<MetricSinkRefusedException>(() => sink.WriteAsync(MetricPoints.Many(2), default));

        Assert.Equal("ValidationException: Invalid time for record", refused.Reason);
        Assert.Single(server.Calls);
    }

    [Fact]
    public async Task Points_that_cannot_form_a_valid_record_are_rejected_without_being_sent()
    {
        await using var server = new FakeTimestreamServer((_, _) => FakeTimestreamServer.Ok());
        using var sink = new TimestreamMetricSink(Options(server.Endpoint));
        var good = MetricPoints.One(1);
        var noProvider = MetricPoints.One(2) with { Provider = "" };
        var huge = MetricPoints.One(3) with { ModelId = new string('m', 2100) };
        var before1970 = MetricPoints.One(4) with { Time = new DateTimeOffset(1969, 7, 20, 20, 17, 0, TimeSpan.Zero) };

        var result = await sink.WriteAsync([good, noProvider, huge, before1970], default);

        Assert.Equal(1, result.Written);
        Assert.Equal([noProvider.RequestId, huge.RequestId, before1970.RequestId], result.Rejected.Select(r => r.RequestId));
        Assert.Contains("provider is empty", result.Rejected[0].Reason);
        Assert.Contains("over Timestream's limit of 2048 bytes", result.Rejected[1].Reason);
        Assert.Contains("before 1970", result.Rejected[2].Reason);
        Assert.Equal(1, RecordCount(Assert.Single(server.Calls)));
    }

    [Fact]
    public async Task Discovery_result_is_used_for_writes_cached_for_its_period_and_refreshed_after()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        FakeTimestreamServer? server = null;
        server = new FakeTimestreamServer((call, _) => call.Target.EndsWith(".DescribeEndpoints", StringComparison.Ordinal)
            ? FakeTimestreamServer.Ok($$"""{"Endpoints":[{"Address":"{{server!.Endpoint}}","CachePeriodInMinutes":10}]}""")
            : FakeTimestreamServer.Ok());
        await using var _ = server;
        var options = Options(server.Endpoint);
        options.Endpoint = null;
        options.DiscoveryEndpoint = server.Endpoint;
        using var sink = new TimestreamMetricSink(options, clock: clock);

        await sink.WriteAsync(MetricPoints.Many(3), default);
        clock.Advance(TimeSpan.FromMinutes(9));
        await sink.WriteAsync(MetricPoints.Many(3), default);
        Assert.Single(server.CallsTo("DescribeEndpoints"));
        clock.Advance(TimeSpan.FromMinutes(2));
        await sink.WriteAsync(MetricPoints.Many(3), default);

        Assert.Equal(2, server.CallsTo("DescribeEndpoints").Count);
        Assert.Equal(3, server.CallsTo("WriteRecords").Count);
        Assert.Equal("{}", server.CallsTo("DescribeEndpoints")[0].Body.RootElement.GetRawText());
    }

    /// <summary>A clock that moves only when told; timers (backoff delays) still run on real time.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
