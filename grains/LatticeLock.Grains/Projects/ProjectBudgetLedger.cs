using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Budgets;
using Microsoft.Extensions.Logging;

namespace LatticeLock.Grains.Projects;

/// <summary>
/// A project's budget held hot by its grain: the settings, month-to-date spend (rebuilt from model_requests when the
/// grain activates or the month turns, then grown by <see cref="RecordSpendAsync"/>), reservations (in the grain's
/// persisted state) and which thresholds have alerted this month. Only the grain calls it, one call at a time, so
/// checking and granting a reservation is atomic.
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
    private decimal _spent;
    private HashSet<Guid> _inSum = [];
    private DateTimeOffset _inSumUntil;
    private HashSet<int> _alerted = [];

    public bool HasBudget => _settings is not null;

    /// <summary>Re-sums month-to-date spend from model_requests (see <see cref="ResyncInterval"/>) and raises any alert now due.</summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        if (_settings is null) return;
        try
        {
            _period = null;
            await EnsurePeriodAsync(cancellationToken);
            await RaiseAlertsAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not re-sum the spend of project {ProjectId}; the next resync tries again", projectId);
        }
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        _settings = await budgets.FindAsync(projectId, cancellationToken);
        _period = null;
    }

    public async Task<BudgetStatus> SetAsync(BudgetSettings settings, List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        var valid = BudgetSettingsValidation.Validated(settings, targets);
        await budgets.UpsertAsync(projectId, valid, cancellationToken);
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
    public async Task<BudgetReservation> ReserveAsync(ReserveBudget request, List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.EstimatedCostUsd <= 0) throw new InvalidFieldException("estimated_cost_usd", $"must be > 0 (got {request.EstimatedCostUsd})");
        Abstractions.Validation.Require.Cost(request.EstimatedCostUsd, "estimated_cost_usd");
        var ttl = request.TtlSeconds ?? ReserveBudget.DefaultTtlSeconds;
        if (ttl is < 1 or > ReserveBudget.MaxTtlSeconds) throw new InvalidFieldException("ttl_seconds", $"must be 1 to {ReserveBudget.MaxTtlSeconds} (got {ttl})");
        var settings = RequireBudget();
        await EnsurePeriodAsync(cancellationToken);

        var remaining = settings.MonthlyUsd - _spent - LiveReserved(reservations);
        if (reservations.Count >= MaxActiveReservations)
            throw new ConflictException("reservations", $"project {projectId} holds {reservations.Count} active reservations, the most allowed; settle or release some first");
        if (request.EstimatedCostUsd > remaining) throw new BudgetExceededException(Math.Max(remaining, 0), request.EstimatedCostUsd);
        var reservation = new ReservationState { Id = Guid.NewGuid(), EstimatedCostUsd = request.EstimatedCostUsd, ExpiresAt = clock.GetUtcNow().AddSeconds(ttl) };
        reservations.Add(reservation);
        return new BudgetReservation(reservation.Id, projectId, reservation.EstimatedCostUsd, reservation.ExpiresAt);
    }

    /// <summary>Removes the live reservation; false when it is unknown, settled or expired.</summary>
    public bool Release(Guid reservationId, List<ReservationState> reservations)
    {
        PurgeExpired(reservations);
        return reservations.RemoveAll(r => r.Id == reservationId) > 0;
    }

    /// <summary>Counts the request's cost (the actual cost replaces its reservation's estimate); true when reservations changed.</summary>
    public async Task<bool> RecordSpendAsync(ProjectSpend spend, List<ReservationState> reservations, CancellationToken cancellationToken)
    {
        var settled = spend.ReservationId is { } rid && reservations.RemoveAll(r => r.Id == rid) > 0;
        if (_settings is null) return settled;
        var wasLoaded = _period is not null;
        await EnsurePeriodAsync(cancellationToken);
        var period = _period!.Value;
        if (wasLoaded && period.Contains(spend.RequestedAt) && !AlreadyInSum(spend.RequestId)) _spent += spend.CostUsd;
        await RaiseAlertsAsync(cancellationToken);
        return settled;
    }

    private bool AlreadyInSum(Guid requestId)
    {
        if (_inSum.Count == 0) return false;
        if (clock.GetUtcNow() > _inSumUntil)
        {
            _inSum = [];
            return false;
        }
        return _inSum.Remove(requestId);
    }

    /// <summary>Loads spend and alerted thresholds for the current month when not loaded yet or when the month turned.</summary>
    private async Task EnsurePeriodAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var current = BudgetPeriod.Containing(now);
        if (_period == current) return;
        var (spent, recent) = await budgets.SpendAsync(projectId, current.Start, current.End, LateReportWindow, cancellationToken);
        var alerted = await alerts.ThresholdsAlertedAsync(projectId, current.FirstDay, cancellationToken);
        _spent = spent;
        _inSum = [.. recent];
        _inSumUntil = now + LateReportWindow;
        _alerted = alerted;
        _period = current;
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
