using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Timestream;

/// <summary>
/// Writes metric points to Amazon Timestream (LiveAnalytics) with WriteRecords: one multi-measure record per point
/// (<see cref="TimestreamRecord"/>), at most <see cref="TimestreamOptions.MaxRecordsPerCall"/> records per call.
/// <list type="bullet">
/// <item>Records Timestream refuses (<c>RejectedRecordsException</c>) are reported as rejected points; the other records of that call are stored.</item>
/// <item>Throttling, 5xx, <c>InternalServerException</c>, timeouts and transport errors are retried with exponential backoff and jitter, up to
/// <see cref="TimestreamOptions.MaxAttempts"/> attempts per call; then <see cref="MetricSinkUnavailableException"/> is thrown.</item>
/// <item>Any other error answer (validation, access denied, missing table) throws <see cref="TimestreamServiceException"/>, whose message has AWS's error type and message.</item>
/// </list>
/// Points that cannot form a valid record (empty dimension, over 2 KB) are rejected without being sent. A request id
/// that occurs twice in one batch is written once.
/// </summary>
public sealed class TimestreamMetricSink : IMetricSink, IDisposable
{
    public const string SinkName = "timestream";

    private readonly TimestreamOptions _options;
    private readonly HttpClient _http;
    private readonly TimestreamJsonClient _client;
    private readonly ExponentialBackoff _backoff;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private long _writeRecordsCalls;
    private volatile bool _tableEnsured;

    /// <param name="handler">The HTTP handler to send through (tests); a pooled <see cref="SocketsHttpHandler"/> when null.</param>
    public TimestreamMetricSink(TimestreamOptions options, HttpMessageHandler? handler = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        var validation = new TimestreamOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(TimestreamOptions.Section, typeof(TimestreamOptions), validation.Failures);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: handler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var signer = new SigV4RequestSigner(TimestreamJsonClient.ServiceName, options.Region!);
        _client = new TimestreamJsonClient(_http, signer, AwsCredentials.From(options)!, options.RequestTimeout, _clock);
        Endpoints = new TimestreamEndpointResolver(options.Endpoint, options.ResolveDiscoveryEndpoint(), _client, _clock);
        _backoff = new ExponentialBackoff(options.InitialBackoff, options.MaxBackoff);
    }

    public string Name => SinkName;

    /// <summary>Where writes go: the override, or the endpoint discovered with DescribeEndpoints.</summary>
    public TimestreamEndpointResolver Endpoints { get; }

    /// <summary>WriteRecords calls sent so far, retries included.</summary>
    public long WriteRecordsCalls => Interlocked.Read(ref _writeRecordsCalls);

    public async Task<MetricSinkWriteResult> WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        var rejectedIds = new Dictionary<Guid, string>();
        var pending = new List<(MetricPoint Point, TimestreamRecord Record)>(points.Count);
        var seen = new HashSet<Guid>();
        foreach (var point in points)
        {
            if (!seen.Add(point.RequestId)) continue;
            var (record, rejection) = TimestreamRecord.FromPoint(point, _options.MeasureName);
            if (record is null) rejectedIds[point.RequestId] = rejection!;
            else pending.Add((point, record));
        }

        if (_options.CreateTableIfMissing && !_tableEnsured && pending.Count > 0) await EnsureTableAsync(cancellationToken);
        for (var start = 0; start < pending.Count; start += _options.MaxRecordsPerCall)
        {
            var chunk = pending.GetRange(start, Math.Min(_options.MaxRecordsPerCall, pending.Count - start));
            foreach (var rejected in await WriteChunkAsync(chunk.ConvertAll(p => p.Record), cancellationToken))
            {
                if (rejected.RecordIndex < 0 || rejected.RecordIndex >= chunk.Count)
                    throw new InvalidDataException($"Timestream rejected record index {rejected.RecordIndex} of a call with {chunk.Count} records");
                rejectedIds[chunk[rejected.RecordIndex].Point.RequestId] = rejected.Describe();
            }
        }

        var written = points.Count(p => !rejectedIds.ContainsKey(p.RequestId));
        return new MetricSinkWriteResult(written, rejectedIds.Select(r => new RejectedMetricPoint(r.Key, r.Value)).ToList());
    }

    /// <summary>One WriteRecords call, retried while the failure is transient; returns the records Timestream refused.</summary>
    private async Task<IReadOnlyList<TimestreamRejectedRecord>> WriteChunkAsync(List<TimestreamRecord> records, CancellationToken cancellationToken)
    {
        var body = WriteRecordsRequestBody.Serialize(_options.Database!, _options.Table!, _options.MeasureName, records);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var endpoint = await Endpoints.ResolveAsync(cancellationToken);
                Interlocked.Increment(ref _writeRecordsCalls);
                await _client.SendAsync(endpoint, WriteRecordsRequestBody.Operation, body, cancellationToken);
                return [];
            }
            catch (TimestreamServiceException e) when (e.IsRejectedRecords && e.RejectedRecords.Count > 0)
            {
                return e.RejectedRecords;
            }
            catch (TimestreamServiceException e) when (e.ErrorType == "ValidationException")
            {
                // The call's content is invalid as a whole: never accepted as sent, so not retried (the pump isolates the point).
                throw new MetricSinkRefusedException(Name, $"{e.ErrorType}: {e.ServiceMessage}", e);
            }
            catch (TimestreamServiceException e) when (e.ErrorType == "ResourceNotFoundException" && _options.CreateTableIfMissing)
            {
                _tableEnsured = false; // e.g. an emulator that restarted empty: created again before the batch is re-sent
                throw;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (e is TimestreamServiceException { IsInvalidEndpoint: true }) Endpoints.Invalidate();
                if (attempt >= _options.MaxAttempts) throw new MetricSinkUnavailableException(Name, attempt, e);
                var delay = _backoff.DelayBefore(attempt);
                _logger.LogWarning("Timestream WriteRecords attempt {Attempt} of {MaxAttempts} failed ({Error}); retrying in {DelayMs} ms",
                    attempt, _options.MaxAttempts, e.Message, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _clock, cancellationToken);
            }
        }
    }

    /// <summary>CreateDatabase and CreateTable, each accepted when it already exists (<c>ConflictException</c>).</summary>
    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        var endpoint = await Endpoints.ResolveAsync(cancellationToken);
        async Task CreateAsync(string operation, object body)
        {
            try
            {
                await _client.SendAsync(endpoint, operation, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body), cancellationToken);
            }
            catch (TimestreamServiceException e) when (e.ErrorType == "ConflictException")
            {
                // already there
            }
        }
        await CreateAsync("CreateDatabase", new { DatabaseName = _options.Database });
        // Magnetic-store writes on: points replayed after a long outage are older than the memory store's retention
        // and would otherwise come back rejected.
        await CreateAsync("CreateTable", new
        {
            DatabaseName = _options.Database,
            TableName = _options.Table,
            RetentionProperties = new { MemoryStoreRetentionPeriodInHours = 24, MagneticStoreRetentionPeriodInDays = 3650 },
            MagneticStoreWriteProperties = new { EnableMagneticStoreWrites = true },
        });
        _tableEnsured = true;
        _logger.LogInformation("Timestream table {Database}.{Table} is there (CreateTableIfMissing)", _options.Database, _options.Table);
    }

    private static bool IsTransient(Exception e) => e switch
    {
        TimestreamServiceException service => service.IsTransient,
        HttpRequestException or TimeoutException or IOException => true,
        _ => false,
    };

    public void Dispose() => _http.Dispose();
}
