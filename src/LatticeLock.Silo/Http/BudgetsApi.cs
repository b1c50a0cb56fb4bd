using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Budgets;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Workspaces;
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

    private static async Task<IResult> SetAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var project = await AllowedAsync(http, grains, access, id, WorkspacePolicy.ManageProjects);
        var body = await JsonBody.ReadAsync<BudgetBody>(http);
        var settings = new BudgetSettings(
            body.MonthlyUsd ?? throw ApiProblem.BadRequest("monthly_usd", "monthly_usd: is required"),
            body.AlertThresholdsPct ?? [], body.WebhookUrl);
        return Results.Ok(await project.SetBudget(settings, http.RequestAborted));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var project = await AllowedAsync(http, grains, access, id, WorkspacePolicy.ReadProjects);
        return Results.Ok(await project.GetBudget(http.RequestAborted));
    }

    private static async Task<IResult> ReserveAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var project = await AllowedAsync(http, grains, access, id, WorkspacePolicy.ReserveBudget);
        var caller = http.Caller();
        var body = await JsonBody.ReadAsync<ReservationBody>(http);
        // Idempotent by the body's id, or by one derived from the Idempotency-Key header (scoped to the caller and project).
        var projectId = RouteValues.Id(id);
        var reservationId = body.Id ?? (IdempotencyKey.Read(http) is { } key ? IdempotencyKey.EntityId("reservation", caller.UserId, key, projectId) : null);
        var request = new ReserveBudget(
            body.EstimatedCostUsd ?? throw ApiProblem.BadRequest("estimated_cost_usd", "estimated_cost_usd: is required"), body.TtlSeconds, reservationId);
        var reservation = await project.Reserve(request, http.RequestAborted); // 402 when it does not fit (ProblemMapping)
        return Results.Created($"/v1/projects/{reservation.ProjectId}/budget/reservations/{reservation.ReservationId}", reservation);
    }

    private static async Task<IResult> ReleaseAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id, string reservationId)
    {
        var project = await AllowedAsync(http, grains, access, id, WorkspacePolicy.ReserveBudget);
        await project.ReleaseReservation(RouteValues.Id(reservationId, "reservation_id"), http.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> AlertsAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, AlertEventRepository alerts, string id)
    {
        await AllowedAsync(http, grains, access, id, WorkspacePolicy.ReadProjects);
        var events = await alerts.ListAsync(RouteValues.Id(id), http.RequestAborted);
        return Results.Ok(new AlertEventsResponse([.. events.Select(e => new AlertEventResponse(e.Id, e.ThresholdPct, e.PeriodStart, e.SpentUsd,
            e.MonthlyUsd, e.DeliveryStatus, e.Attempts, e.LastStatusCode, e.LastError, e.CreatedAt))]));
    }

    private static async Task<IProjectGrain> AllowedAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id, WorkspacePermission permission)
    {
        var projectId = RouteValues.Id(id);
        await ProjectsApi.AllowedAsync(grains, access, http.Caller(), projectId, permission);
        return grains.GetGrain<IProjectGrain>(projectId);
    }
}
