using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Storage.Prices;

namespace LatticeLock.Silo.Prices;

/// <summary>
/// After a reprice run: the live session grains of the sessions it touched give way (their next activation sums the
/// corrected checkpoint and rows) and the live project grains re-sum their spend. Only activations that exist are
/// called (the cluster's active grains are asked first), so a run over a million old sessions activates none of them.
/// </summary>
public sealed class CorrectedCostOwners(RepriceRunStore runs, IGrainFactory grains, ILogger<CorrectedCostOwners> logger)
{
    public async Task RefreshAsync(Guid runId, CancellationToken cancellationToken)
    {
        var touched = await runs.TouchedSessionsAsync(runId, cancellationToken);
        if (touched.Count == 0) return;
        var management = grains.GetGrain<IManagementGrain>(0);
        var sessionType = grains.GetGrain<ISessionGrain>(Guid.Empty).GetGrainId().Type;
        var projectType = grains.GetGrain<IProjectGrain>(Guid.Empty).GetGrainId().Type;
        var liveSessions = (await management.GetActiveGrains(sessionType)).ToHashSet();
        var liveProjects = (await management.GetActiveGrains(projectType)).ToHashSet();
        var calls = new List<Task>();
        foreach (var (sessionId, _) in touched)
        {
            var session = grains.GetGrain<ISessionGrain>(sessionId);
            if (liveSessions.Contains(session.GetGrainId())) calls.Add(session.CostsCorrected());
        }
        foreach (var projectId in touched.Select(t => t.ProjectId).OfType<Guid>().Distinct())
        {
            var project = grains.GetGrain<IProjectGrain>(projectId);
            if (liveProjects.Contains(project.GetGrainId())) calls.Add(project.ResyncSpend(cancellationToken));
        }
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored totals are right already; a session that missed the call keeps its old sum until it next activates,
            // a project re-sums within a minute anyway.
            logger.LogWarning(e, "Some owners of reprice run {RunId} could not be told; project spend re-sums within a minute", runId);
        }
    }
}
