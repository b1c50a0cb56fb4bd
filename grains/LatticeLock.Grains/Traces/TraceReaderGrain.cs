using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Storage.Traces;
using LatticeLock.Storage.Workspaces;
using Orleans.Concurrency;

namespace LatticeLock.Grains.Traces;

/// <summary>Reads traces from PostgreSQL (the one store of spans) on whichever silo the call lands, one owner's at a time.</summary>
[StatelessWorker]
public sealed class TraceReaderGrain(TraceQueries traces, TracePageReader pages) : Grain, ITraceReaderGrain
{
    public Task<TracePage?> GetTracePage(Guid ownerId, string traceId, string? cursor, int? limit, CancellationToken cancellationToken) =>
        pages.ReadAsync(ownerId, TraceIds.Normalize(traceId, "trace_id"), cursor, limit, cancellationToken);

    public async Task<IReadOnlyList<Guid>> OwnersOf(string traceId, CancellationToken cancellationToken) =>
        [.. (await traces.OwnersAsync(TraceIds.Normalize(traceId, "trace_id"), WorkspaceReadScope.Operator, cancellationToken)).Select(o => o.UserId)];

    public async Task<IReadOnlyList<TraceSummary>> ListForSession(Guid sessionId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000) throw new InvalidFieldException("limit", "must be between 1 and 1000");
        var rows = await traces.ForSessionAsync(sessionId, limit, cancellationToken);
        return rows.Select(r => new TraceSummary(r.TraceId, r.RootName, DateTimeOffset.UnixEpoch.AddTicks(r.StartUnixNano / 100),
            Math.Round((r.EndUnixNano - r.StartUnixNano) / 1_000_000.0, 3), r.Spans, r.ModelRequests, r.InputTokens, r.OutputTokens, r.CostUsd)).ToList();
    }
}
