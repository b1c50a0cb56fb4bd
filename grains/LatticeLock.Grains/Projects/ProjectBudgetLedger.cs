using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Budgets;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Projects;

/// <summary>
/// A project's budget held hot by its grain: the settings, month-to-date spend (rebuilt from model_requests when the
/// grain activates or the month turns, then grown by <see cref="RecordSpendAsync"/>), reservations (in the grain's
/// persisted state) and which thresholds have alerted this month. Only the grain calls it, one call at a time, so
/// checking and granting a reservation is atomic. Spend counts by the time a request was recorded (recorded_at), not by
/// its requested_at. Settlement is idempotent by request id: a request settles its live reservation once, a retry of it
/// is answered "settled" again, an expired reservation is never reported settled, and the periodic re-sum settles
/// every reservation a stored request names even when its report was lost.
/// </summary>
internal sealed class ProjectBudgetLedger(
    Guid projectId,
    BudgetRepository budgets,
    AlertEventRepository alerts,
    TimeProvider clock,
    WebhookTargetPolicy targets,
    ILogger logger)
{
    /// <summary>Requests committed this recently when spend is summed may still report themselves; they are not counted twice.</summary>
    private static readonly TimeSpan LateReportWindow = TimeSpan.FromMinutes(2);

    /// <summary>How often spend is re-summed from model_requests, correcting reports that never arrived.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromMinutes(1);

    /// <summary>Reservations a project may hold at once; beyond it Reserve answers with a conflict.</summary>
    public const int MaxActiveReservations = 10_000;

    private BudgetSettings? _settings;
    private BudgetPeriod? _period;
    /// <summary>A duplicate report of a request not known to be counted re-sums at most this often.</summary>
    public static readonly TimeSpan DuplicateResyncInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long after its reservation's expiry a settlement is remembered, to answer retries the same way.</summary>
    private static readonly TimeSpan SettlementMemory = TimeSpan.FromMinutes(10);

    /// <summary>Allowed difference between the silos' clocks and PostgreSQL's when matching times across them.</summary>
    private static readonly TimeSpan ClockSkewMargin = TimeSpan.FromMinutes(5);

    private decimal _spent;
    // Ids known to be in _spent: those recorded within LateReportWindow of the last sum, and those reported since.
    private HashSet<Guid> _counted = [];
    private DateTimeOffset _nextDuplicateResync = DateTimeOffset.MinValue;
    private readonly Dictionary<Guid, (Guid RequestId, DateTimeOffset Until)> _settledBy = [];
    private HashSet<int> _alerted = [];

    public bool HasBudget => _settings is not null;

    /// <summary>
    /// Re-sums month-to-date spend from model_requests (see <see cref="ResyncInterval"/>), settles the reservations a
    /// stored request names, and raises any alert now due. True when reservations changed (the grain persists them).
    /// </summary>
    public async Task<bool> ResyncAsync(List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        if (_settings is null) return false;
        try
        {
            _period = null;
            await EnsurePeriodAsync(cancellationToken);
            var changed = await ReconcileReservationsAsync(reservations, cancellationToken);
            await RaiseAlertsAsync(cancellationToken);
            return changed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not re-sum the spend of project {ProjectId}; the next resync tries again", projectId);
            return false;
        }
    }

    /// <summary>Removes live reservations that a stored request names (its report never arrived, or came as a duplicate).</summary>
    private async Task<bool> ReconcileReservationsAsync(List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        PurgeExpired(reservations);
        if (reservations.Count == 0) return false;
        // recorded_at is the database's clock and GrantedAt the silo's: a margin covers any skew between them.
        var since = reservations.Min(r => r.GrantedAt ?? r.ExpiresAt.AddSeconds(-ReserveBudget.MaxTtlSeconds)) - ClockSkewMargin;
        var settled = await budgets.SettledReservationsAsync(projectId, reservations.Select(r => r.Id).ToList(), since, cancellationToken);
        return reservations.RemoveAll(r => settled.Contains(r.Id)) > 0;
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        _settings = await budgets.FindAsync(projectId, cancellationToken);
        _period = null;
    }

    /// <summary>Sets the budget (audited in <paramref name="workspaceId"/> as <paramref name="actor"/>'s change).</summary>
    public async Task<BudgetStatus> SetAsync(BudgetSettings settings, List<ReservationState> reservations, Guid workspaceId, AuditActor? actor,
        CancellationToken cancellationToken)
    {
        var valid = BudgetSettingsValidation.Validated(settings, targets);
        await budgets.UpsertAsync(projectId, valid, _settings, workspaceId, actor, cancellationToken);
        _settings = valid;
        await EnsurePeriodAsync(cancellationToken);
        await RaiseAlertsAsync(cancellationToken);
        return Status(reservations);
    }

    public async Task<BudgetStatus> GetAsync(List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        RequireBudget();
        await EnsurePeriodAsync(cancellationToken);
        return Status(reservations);
    }

    /// <summary>Grants the reservation (adding it to <paramref name="reservations"/>) or throws; the caller persists.</summary>
    /// <summary>
    /// Grants the reservation if it fits. A repeat of a live reservation's id with the same content answers it again;
    /// with other content, or an id that <paramref name="heldBefore"/> says the project held before, is a conflict.
    /// </summary>
    public async Task<BudgetReservation> ReserveAsync(ReserveBudget request, List<ReservationState> reservations,
        Func<Guid, CancellationToken, Task<bool>> heldBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.EstimatedCostUsd <= 0) throw new InvalidFieldException("estimated_cost_usd", $"must be > 0 (got {request.EstimatedCostUsd})");
        Abstractions.Validation.Require.Cost(request.EstimatedCostUsd, "estimated_cost_usd");
        var ttl = request.TtlSeconds ?? ReserveBudget.DefaultTtlSeconds;
        if (ttl is < 1 or > ReserveBudget.MaxTtlSeconds) throw new InvalidFieldException("ttl_seconds", $"must be 1 to {ReserveBudget.MaxTtlSeconds} (got {ttl})");
        var settings = RequireBudget();
        if (request.ReservationId is { } given)
        {
            var now0 = clock.GetUtcNow();
            if (reservations.Find(r => r.Id == given && r.ExpiresAt > now0) is { } live)
            {
                if (live.EstimatedCostUsd == request.EstimatedCostUsd && live.GrantedAt is { } granted && live.ExpiresAt - granted == TimeSpan.FromSeconds(ttl))
                    return new BudgetReservation(live.Id, projectId, live.EstimatedCostUsd, live.ExpiresAt);
                throw new ConflictException("id", $"reservation {given} was granted with other content (estimated_cost_usd {live.EstimatedCostUsd}); a new reservation needs a new id");
            }
            if (await heldBefore(given, cancellationToken))
                throw new ConflictException("id", $"reservation {given} has ended (settled, released or expired); a new reservation needs a new id");
        }
        await EnsurePeriodAsync(cancellationToken);

        var remaining = settings.MonthlyUsd - _spent - LiveReserved(reservations);
        if (reservations.Count >= MaxActiveReservations)
            throw new ConflictException("reservations", $"project {projectId} holds {reservations.Count} active reservations, the most allowed; settle or release some first");
        if (request.EstimatedCostUsd > remaining) throw new BudgetExceededException(Math.Max(remaining, 0), request.EstimatedCostUsd);
        var now = clock.GetUtcNow();
        var reservation = new ReservationState { Id = request.ReservationId ?? Guid.NewGuid(), EstimatedCostUsd = request.EstimatedCostUsd, ExpiresAt = now.AddSeconds(ttl), GrantedAt = now };
        reservations.Add(reservation);
        return new BudgetReservation(reservation.Id, projectId, reservation.EstimatedCostUsd, reservation.ExpiresAt);
    }

    /// <summary>Removes the live reservation; false when it is unknown, settled or expired.</summary>
    public bool Release(Guid reservationId, List<ReservationState> reservations)
    {
        PurgeExpired(reservations);
        return reservations.RemoveAll(r => r.Id == reservationId) > 0;
    }

    /// <summary>
    /// Counts the request's cost once (the actual cost replaces its reservation's estimate) in the month it was
    /// recorded; true when it settled its reservation now or did so before (a retry gets the same answer).
    /// </summary>
    public async Task<bool> RecordSpendAsync(ProjectSpend spend, List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        var settled = spend.ReservationId is { } rid && Settle(rid, spend.RequestId, reservations);
        if (_settings is null) return settled;
        // A load (first, or the month turned) sums the table, which already holds this committed row.
        if (!await EnsurePeriodAsync(cancellationToken))
        {
            if (!spend.Duplicate)
            {
                if (_counted.Add(spend.RequestId) && _period!.Value.Contains(spend.RecordedAt)) _spent += spend.CostUsd;
            }
            else if (!_counted.Contains(spend.RequestId) && clock.GetUtcNow() >= _nextDuplicateResync)
            {
                // A retry of a stored request whose first report this ledger never saw (it failed or is still on its
                // way): the table has the row, so a re-sum counts it exactly; rate-limited against retry storms.
                _nextDuplicateResync = clock.GetUtcNow() + DuplicateResyncInterval;
                _period = null;
                await EnsurePeriodAsync(cancellationToken);
                _counted.Add(spend.RequestId);
            }
        }
        await RaiseAlertsAsync(cancellationToken);
        return settled;
    }

    /// <summary>
    /// Settles <paramref name="reservationId"/> for <paramref name="requestId"/>: true when it was live (now removed) or
    /// was settled before by the same request; false when unknown, expired, or settled by another request.
    /// </summary>
    private bool Settle(Guid reservationId, Guid requestId, List<ReservationState> reservations)
    {
        PurgeExpired(reservations); // an expired reservation no longer holds anything, so it cannot be settled
        var now = clock.GetUtcNow();
        foreach (var stale in _settledBy.Where(s => s.Value.Until <= now).Select(s => s.Key).ToList()) _settledBy.Remove(stale);
        var index = reservations.FindIndex(r => r.Id == reservationId);
        if (index >= 0)
        {
            _settledBy[reservationId] = (requestId, reservations[index].ExpiresAt + SettlementMemory);
            reservations.RemoveAt(index);
            return true;
        }
        return _settledBy.TryGetValue(reservationId, out var by) && by.RequestId == requestId;
    }

    /// <summary>Loads spend and alerted thresholds for the current month when not loaded yet or when the month turned; true when it loaded.</summary>
    private async Task<bool> EnsurePeriodAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var current = BudgetPeriod.Containing(now);
        if (_period == current) return false;
        var (spent, recent) = await budgets.SpendAsync(projectId, current.Start, current.End, LateReportWindow, cancellationToken);
        var alerted = await alerts.ThresholdsAlertedAsync(projectId, current.FirstDay, cancellationToken);
        _spent = spent;
        _counted = [.. recent];
        _alerted = alerted;
        _period = current;
        return true;
    }

    /// <summary>
    /// Writes one alert_events row per threshold reached this month that has none yet. The table's unique key makes
    /// this exactly once even if another activation raced us; a failure is logged and retried on the next change.
    /// </summary>
    private async Task RaiseAlertsAsync(CancellationToken cancellationToken)
    {
        if (_settings is not { } settings || _period is not { } period || _spent <= 0) return;
        foreach (var threshold in settings.AlertThresholdsPct)
        {
            if (_alerted.Contains(threshold) || _spent < settings.MonthlyUsd * threshold / 100m) continue;
            try
            {
                var inserted = await alerts.TryInsertAsync(projectId, period.FirstDay, threshold, _spent, settings.MonthlyUsd, settings.WebhookUrl, cancellationToken);
                _alerted.Add(threshold);
                if (inserted) logger.LogInformation("Project {ProjectId} crossed {Threshold}% of its {Budget} USD budget ({Spent} USD spent)", projectId, threshold, settings.MonthlyUsd, _spent);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not record the {Threshold}% budget alert of project {ProjectId}; retried on its next spend", threshold, projectId);
                return;
            }
        }
    }

    private BudgetStatus Status(List<ReservationState> reservations)
    {
        var settings = RequireBudget();
        var period = _period!.Value;
        var reserved = LiveReserved(reservations);
        return new BudgetStatus(projectId, settings.MonthlyUsd, _spent, reserved, settings.MonthlyUsd - _spent - reserved,
            period.Forecast(_spent, clock.GetUtcNow()), period.Start, reservations.Count, settings.AlertThresholdsPct, settings.WebhookUrl);
    }

    /// <summary>What the live reservations hold, once expired ones are gone.</summary>
    private decimal LiveReserved(List<ReservationState> reservations)
    {
        PurgeExpired(reservations);
        return reservations.Sum(r => r.EstimatedCostUsd);
    }

    /// <summary>Expired reservations release themselves: they stop counting the moment they expire.</summary>
    private void PurgeExpired(List<ReservationState> reservations)
    {
        var now = clock.GetUtcNow();
        reservations.RemoveAll(r => r.ExpiresAt <= now);
    }

    private BudgetSettings RequireBudget() => _settings ?? throw new NotFoundException("budget", projectId);
}
