using Grpc.Core;
using Grpc.Core.Interceptors;
using LatticeLock.Metrics.Bigtable.V2;
using RpcStatus = LatticeLock.Metrics.Bigtable.Rpc.Status;

namespace LatticeLock.EmulatorTests.Sinks;

/// <summary>
/// Sits between the sink and the real emulator. It records every MutateRows call (headers and entries), and can fail
/// chosen entries: those are not sent on, and an answer with the injected status is added to the real answers (whose
/// indexes are mapped back to the sink's request), as Bigtable reports per-entry failures.
/// </summary>
public sealed class MutateRowsInterceptor : Interceptor
{
    private readonly object _lock = new();
    private readonly List<(Metadata Headers, MutateRowsRequest Request)> _calls = [];

    /// <summary>The status to inject for an entry (call number from 1, entry position in that call), or null to send it on.</summary>
    public Func<int, int, StatusCode?> Fault { get; init; } = (_, _) => null;

    public IReadOnlyList<(Metadata Headers, MutateRowsRequest Request)> Calls { get { lock (_lock) return _calls.ToList(); } }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        if (request is not MutateRowsRequest mutate) return continuation(request, context);
        int callNumber;
        lock (_lock)
        {
            _calls.Add((context.Options.Headers ?? [], mutate.Clone()));
            callNumber = _calls.Count;
        }
        var forwarded = new MutateRowsRequest { TableName = mutate.TableName, AppProfileId = mutate.AppProfileId };
        var positions = new List<int>();
        var injected = new MutateRowsResponse();
        for (var position = 0; position < mutate.Entries.Count; position++)
        {
            if (Fault(callNumber, position) is { } code)
                injected.Entries.Add(new MutateRowsResponse.Types.Entry { Index = position, Status = new RpcStatus { Code = (int)code, Message = $"injected {code}" } });
            else
            {
                positions.Add(position);
                forwarded.Entries.Add(mutate.Entries[position]);
            }
        }
        if (forwarded.Entries.Count == 0)
        {
            var only = new Reader(null, positions, injected);
            return new AsyncServerStreamingCall<TResponse>((IAsyncStreamReader<TResponse>)(object)only,
                Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }
        var inner = continuation((TRequest)(object)forwarded, context);
        var reader = new Reader((IAsyncStreamReader<MutateRowsResponse>)(object)inner.ResponseStream, positions, injected);
        return new AsyncServerStreamingCall<TResponse>((IAsyncStreamReader<TResponse>)(object)reader,
            inner.ResponseHeadersAsync, inner.GetStatus, inner.GetTrailers, inner.Dispose);
    }

    /// <summary>The real answers with indexes mapped back, then one answer with the injected entries.</summary>
    private sealed class Reader(IAsyncStreamReader<MutateRowsResponse>? inner, List<int> positions, MutateRowsResponse injected) : IAsyncStreamReader<MutateRowsResponse>
    {
        private bool _injectedSent;

        public MutateRowsResponse Current { get; private set; } = new();

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (inner is not null && await inner.MoveNext(cancellationToken))
            {
                var mapped = new MutateRowsResponse();
                foreach (var entry in inner.Current.Entries)
                    mapped.Entries.Add(new MutateRowsResponse.Types.Entry { Index = positions[(int)entry.Index], Status = entry.Status });
                Current = mapped;
                return true;
            }
            if (_injectedSent || injected.Entries.Count == 0) return false;
            _injectedSent = true;
            Current = injected;
            return true;
        }
    }
}
