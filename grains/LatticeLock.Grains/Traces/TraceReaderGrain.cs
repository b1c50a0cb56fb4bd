using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Storage.Traces;
using Orleans.Concurrency;

namespace LatticeLock.Grains.Traces;

/// <summary>Reads traces from PostgreSQL (the one store of spans) on whichever silo the call lands.</summary>
[StatelessWorker]
public sealed class TraceReaderGrain(TraceQueries traces) : Grain, ITraceReaderGrain
{
    public async Task<TraceTree?> GetTrace(string traceId, CancellationToken cancellationToken)
    {
        var id = TraceIds.Normalize(traceId, "trace_id");
        if (await traces.FindAsync(id, cancellationToken) is not { } owner) return null;
        var spans = await traces.SpansAsync(id, cancellationToken);
        return TraceTreeBuilder.Build(id, owner.UserId, owner.SessionId, spans);
    }

    public async Task<IReadOnlyList<TraceSummary>> ListForSession(Guid sessionId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000) throw new InvalidFieldException("limit", "must be between 1 and 1000");
        var rows = await traces.ForSessionAsync(sessionId, limit, cancellationToken);
        return rows.Select(r => new TraceSummary(r.TraceId, r.RootName, DateTimeOffset.UnixEpoch.AddTicks(r.StartUnixNano / 100),
            Math.Round((r.EndUnixNano - r.StartUnixNano) / 1_000_000.0, 3), r.Spans, r.ModelRequests, r.InputTokens, r.OutputTokens, r.CostUsd)).ToList();
    }
}
