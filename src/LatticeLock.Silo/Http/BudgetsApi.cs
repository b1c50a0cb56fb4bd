using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Budgets;

namespace LatticeLock.Silo.Http;

public static class BudgetsApi
{
    public sealed record BudgetBody(decimal? MonthlyUsd, int[]? AlertThresholdsPct, string? WebhookUrl);
    public sealed record ReservationBody(Guid? Id, decimal? EstimatedCostUsd, int? TtlSeconds);
    public sealed record AlertEventResponse(long Id, int ThresholdPct, DateOnly PeriodStart, decimal SpentUsd, decimal MonthlyUsd,
        string DeliveryStatus, int Attempts, int? LastStatusCode, string? LastError, DateTimeOffset CreatedAt);
    public sealed record AlertEventsResponse(IReadOnlyList<AlertEventResponse> Alerts);

    public static RouteGroupBuilder MapBudgetsApi(this RouteGroupBuilder v1)
    {
        v1.MapPut("/projects/{id}/budget", SetAsync).Accepts<BudgetBody>(isOptional: true, "application/json").Produces<BudgetStatus>();
        v1.MapGet("/projects/{id}/budget", GetAsync).Produces<BudgetStatus>();
        v1.MapPost("/projects/{id}/budget/reservations", ReserveAsync).Accepts<ReservationBody>(isOptional: true, "application/json")
            .Produces<BudgetReservation>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status402PaymentRequired);
        v1.MapDelete("/projects/{id}/budget/reservations/{reservationId}", ReleaseAsync).Produces(StatusCodes.Status204NoContent);
        v1.MapGet("/projects/{id}/budget/alerts", AlertsAsync).Produces<AlertEventsResponse>();
        return v1;
    }

    private static async Task<IResult> SetAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var project = await OwnedAsync(http, grains, id, ApiScopes.ProjectsWrite);
        var body = await JsonBody.ReadAsync<BudgetBody>(http);
        var settings = new BudgetSettings(
            body.MonthlyUsd ?? throw ApiProblem.BadRequest("monthly_usd", "monthly_usd: is required"),
            body.AlertThresholdsPct ?? [], body.WebhookUrl);
        return Results.Ok(await project.SetBudget(settings, http.RequestAborted));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var project = await OwnedAsync(http, grains, id, ApiScopes.ProjectsRead);
        return Results.Ok(await project.GetBudget(http.RequestAborted));
    }

    private static async Task<IResult> ReserveAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var project = await OwnedAsync(http, grains, id, ApiScopes.ProjectsWrite);
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var body = await JsonBody.ReadAsync<ReservationBody>(http);
        // Idempotent by the body's id, or by one derived from the Idempotency-Key header (scoped to the caller and project).
        var projectId = RouteValues.Id(id);
        var reservationId = body.Id ?? (IdempotencyKey.Read(http) is { } key ? IdempotencyKey.EntityId("reservation", caller.UserId, key, projectId) : null);
        var request = new ReserveBudget(
            body.EstimatedCostUsd ?? throw ApiProblem.BadRequest("estimated_cost_usd", "estimated_cost_usd: is required"), body.TtlSeconds, reservationId);
        var reservation = await project.Reserve(request, http.RequestAborted); // 402 when it does not fit (ProblemMapping)
        return Results.Created($"/v1/projects/{reservation.ProjectId}/budget/reservations/{reservation.ReservationId}", reservation);
    }

    private static async Task<IResult> ReleaseAsync(HttpContext http, IGrainFactory grains, string id, string reservationId)
    {
        var project = await OwnedAsync(http, grains, id, ApiScopes.ProjectsWrite);
        await project.ReleaseReservation(RouteValues.Id(reservationId, "reservation_id"), http.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> AlertsAsync(HttpContext http, IGrainFactory grains, AlertEventRepository alerts, string id)
    {
        await OwnedAsync(http, grains, id, ApiScopes.ProjectsRead);
        var events = await alerts.ListAsync(RouteValues.Id(id), http.RequestAborted);
        return Results.Ok(new AlertEventsResponse([.. events.Select(e => new AlertEventResponse(e.Id, e.ThresholdPct, e.PeriodStart, e.SpentUsd,
            e.MonthlyUsd, e.DeliveryStatus, e.Attempts, e.LastStatusCode, e.LastError, e.CreatedAt))]));
    }

    private static async Task<IProjectGrain> OwnedAsync(HttpContext http, IGrainFactory grains, string id, string scope)
    {
        var projectId = RouteValues.Id(id);
        await ProjectsApi.OwnedAsync(grains, http.RequireScope(scope), projectId);
        return grains.GetGrain<IProjectGrain>(projectId);
    }
}
