using Orleans.Concurrency;

namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>One orchestration session: its owner, its model requests and their running totals.</summary>
[Alias("ll.ISessionGrain")]
public interface ISessionGrain : IGrainWithGuidKey
{
    [Alias("Start")] Task<SessionSummary> Start(StartSession command, CancellationToken cancellationToken = default);
    [Alias("GetSummary")] Task<SessionSummary> GetSummary();
    [Alias("End")] Task<SessionSummary> End(CancellationToken cancellationToken = default);
    /// <summary>A reprice changed stored costs of this session: the activation gives way, the next one sums the table again.</summary>
    [Alias("CostsCorrected")] Task CostsCorrected();

    /// <summary>
    /// Returns once the request's row is committed in <c>model_requests</c>. Idempotent by
    /// <see cref="ModelRequestRecord.Id"/>: a repeated id is neither stored nor counted again.
    /// </summary>
    [Alias("RecordModelRequest")]
    [AlwaysInterleave]
    Task<ModelRequestAck> RecordModelRequest(ModelRequestRecord request, CancellationToken cancellationToken = default);
}
