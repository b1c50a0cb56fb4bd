using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using LatticeLock.Metrics.Abstractions;
using LatticeLock.Metrics.Bigtable.Admin.V2;
using LatticeLock.Metrics.Bigtable.V2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>
/// Writes metric points to Cloud Bigtable with MutateRows: one row per point (<see cref="BigtableRowKey"/>,
/// <see cref="BigtableMetricRow"/>), at most <see cref="BigtableOptions.MaxMutationsPerCall"/> mutations per call.
/// <list type="bullet">
/// <item>MutateRows answers per entry. Entries that failed with UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL or
/// RESOURCE_EXHAUSTED (and entries the stream ended without answering) are sent again, alone, after a backoff, up to
/// <see cref="BigtableOptions.MaxAttempts"/> attempts; then <see cref="MetricSinkUnavailableException"/> is thrown.</item>
/// <item>Entries that failed with any other code are reported as rejected points.</item>
/// <item>A call that fails as a whole with one of the retryable codes is retried the same way; any other failure of
/// the call (table missing, permission denied, bad request) throws the <see cref="RpcException"/>.</item>
/// </list>
/// Rows are pure functions of their points, so re-sending a point overwrites its row with identical cells.
/// </summary>
public sealed class BigtableMetricSink : IMetricSink, IDisposable
{
    public const string SinkName = "bigtable";

    /// <summary>Codes after which the same mutation may succeed when sent again.</summary>
    public static readonly IReadOnlySet<StatusCode> RetryableCodes = new HashSet<StatusCode>
    {
        StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.Aborted, StatusCode.Internal, StatusCode.ResourceExhausted,
    };

    private readonly BigtableOptions _options;
    private readonly GrpcChannel _channel;
    private readonly GrpcChannel? _adminChannel;
    private readonly HttpClient _metadataHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly V2.Bigtable.BigtableClient _client;
    private readonly BigtableTableCreator _tables;
    private readonly IBigtableAccessTokenSource _tokens;
    private readonly ExponentialBackoff _backoff;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _tableGate = new(1, 1);
    private volatile bool _tableEnsured;
    private long _mutateRowsCalls;

    /// <param name="tokens">Where bearer tokens come from; chosen from the options when null (<see cref="BigtableAccessTokens"/>).</param>
    /// <param name="interceptor">Wraps every call (tests, diagnostics).</param>
    public BigtableMetricSink(BigtableOptions options, ILogger? logger = null, TimeProvider? clock = null, IBigtableAccessTokenSource? tokens = null, Interceptor? interceptor = null)
    {
        var validation = new BigtableOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(BigtableOptions.Section, typeof(BigtableOptions), validation.Failures);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _tokens = tokens ?? BigtableAccessTokens.For(options, _metadataHttp, _clock);
        _channel = BigtableChannel.Create(options.ResolveEndpoint());
        var invoker = interceptor is null ? _channel.CreateCallInvoker() : _channel.Intercept(interceptor);
        _client = new V2.Bigtable.BigtableClient(invoker);
        if (options.ResolveAdminEndpoint() != options.ResolveEndpoint()) _adminChannel = BigtableChannel.Create(options.ResolveAdminEndpoint());
        var adminInvoker = _adminChannel?.CreateCallInvoker() ?? invoker;
        _tables = new BigtableTableCreator(new BigtableTableAdmin.BigtableTableAdminClient(adminInvoker), options, _tokens);
        _backoff = new ExponentialBackoff(options.InitialBackoff, options.MaxBackoff);
    }

    public string Name => SinkName;

    /// <summary>MutateRows calls sent so far, retries included.</summary>
    public long MutateRowsCalls => Interlocked.Read(ref _mutateRowsCalls);

    /// <summary>A reader on this sink's channel and credentials.</summary>
    public BigtableRowReader CreateReader() => new(_client, _options, _tokens);

    public async Task<MetricSinkWriteResult> WriteAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken)
    {
        var rejected = new Dictionary<Guid, string>();
        var pending = new List<(MetricPoint Point, MutateRowsRequest.Types.Entry Entry)>(points.Count);
        var seen = new HashSet<Guid>();
        foreach (var point in points)
        {
            if (!seen.Add(point.RequestId)) continue;
            var (entry, rejection) = BigtableMetricRow.FromPoint(point, _options.ColumnFamily);
            if (entry is null) rejected[point.RequestId] = rejection!;
            else pending.Add((point, entry));
        }

        if (_options.CreateTableIfMissing && !_tableEnsured && pending.Count > 0) await EnsureTableAsync(cancellationToken);

        var chunk = new List<(MetricPoint Point, MutateRowsRequest.Types.Entry Entry)>();
        var mutations = 0;
        foreach (var item in pending)
        {
            if (chunk.Count > 0 && mutations + item.Entry.Mutations.Count > _options.MaxMutationsPerCall)
            {
                await WriteChunkAsync(chunk, rejected, cancellationToken);
                chunk = [];
                mutations = 0;
            }
            chunk.Add(item);
            mutations += item.Entry.Mutations.Count;
        }
        if (chunk.Count > 0) await WriteChunkAsync(chunk, rejected, cancellationToken);

        var written = points.Count(p => !rejected.ContainsKey(p.RequestId));
        return new MetricSinkWriteResult(written, rejected.Select(r => new RejectedMetricPoint(r.Key, r.Value)).ToList());
    }

    /// <summary>One MutateRows call for <paramref name="chunk"/>, then calls for the entries that failed retryably.</summary>
    private async Task WriteChunkAsync(List<(MetricPoint Point, MutateRowsRequest.Types.Entry Entry)> chunk, Dictionary<Guid, string> rejected, CancellationToken cancellationToken)
    {
        var outstanding = Enumerable.Range(0, chunk.Count).ToList(); // indexes into chunk
        for (var attempt = 1; ; attempt++)
        {
            var request = new MutateRowsRequest { TableName = _options.TableName, AppProfileId = _options.AppProfileId ?? "" };
            foreach (var i in outstanding) request.Entries.Add(chunk[i].Entry);

            var answers = new Dictionary<int, Rpc.Status>();
            Exception? lastFailure = null;
            try
            {
                Interlocked.Increment(ref _mutateRowsCalls);
                using var call = _client.MutateRows(request, await BigtableCallHeaders.ForTableAsync(_options, _tokens, cancellationToken),
                    DateTime.UtcNow + _options.CallTimeout, cancellationToken);
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
                    foreach (var entry in response.Entries) answers[(int)entry.Index] = entry.Status ?? new Rpc.Status();
            }
            catch (RpcException e) when (RetryableCodes.Contains(e.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                lastFailure = e; // entries answered before the failure keep their answers
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.OutOfRange)
            {
                // The request as a whole is invalid: never accepted as sent, so not retried (the pump isolates the point).
                throw new MetricSinkRefusedException(Name, $"{e.StatusCode}: {e.Status.Detail}", e);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && _options.CreateTableIfMissing && !cancellationToken.IsCancellationRequested)
            {
                lastFailure = e;
                _tableEnsured = false;
                await EnsureTableAsync(cancellationToken); // e.g. an emulator that restarted empty
            }

            var retry = new List<int>();
            for (var position = 0; position < outstanding.Count; position++)
            {
                var index = outstanding[position];
                if (!answers.TryGetValue(position, out var status))
                {
                    retry.Add(index);
                    continue;
                }
                var code = (StatusCode)status.Code;
                if (code == StatusCode.OK) continue;
                if (RetryableCodes.Contains(code))
                {
                    retry.Add(index);
                    lastFailure ??= new RpcException(new Status(code, status.Message));
                }
                else if (code is StatusCode.InvalidArgument or StatusCode.OutOfRange)
                    rejected[chunk[index].Point.RequestId] = $"{code}: {status.Message}"; // the entry's own values: never accepted as sent
                else
                    // Configuration or permission (NOT_FOUND family, PERMISSION_DENIED, FAILED_PRECONDITION, ...): not the
                    // point's fault, so the whole batch fails and is re-sent once the cause is fixed; nothing is dropped.
                    throw new RpcException(new Status(code, $"MutateRows entry failed: {status.Message}"));
            }
            if (retry.Count == 0) return;

            lastFailure ??= new RpcException(new Status(StatusCode.Unavailable, "MutateRows ended without answering every entry"));
            if (attempt >= _options.MaxAttempts) throw new MetricSinkUnavailableException(Name, attempt, lastFailure);
            var delay = _backoff.DelayBefore(attempt);
            _logger.LogWarning("Bigtable MutateRows attempt {Attempt} of {MaxAttempts}: {Failed} of {Sent} entries to retry ({Error}); retrying in {DelayMs} ms",
                attempt, _options.MaxAttempts, retry.Count, outstanding.Count, lastFailure.Message, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _clock, cancellationToken);
            outstanding = retry;
        }
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await _tableGate.WaitAsync(cancellationToken);
        try
        {
            if (_tableEnsured) return;
            if (await _tables.EnsureTableAsync(cancellationToken))
                _logger.LogInformation("Created Bigtable table {Table} with column family {Family}", _options.TableName, _options.ColumnFamily);
            _tableEnsured = true;
        }
        finally { _tableGate.Release(); }
    }

    public void Dispose()
    {
        _channel.Dispose();
        _adminChannel?.Dispose();
        _metadataHttp.Dispose();
    }
}
