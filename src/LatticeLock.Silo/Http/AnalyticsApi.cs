using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Analytics;

namespace LatticeLock.Silo.Http;

/// <summary>
/// /v1/analytics: costs per day, provider, model, task type, user or project, and the per-model leaderboard.
/// Non-admin keys see their workspaces' requests only (<c>workspace_id</c>, <c>project_id</c>, else their own). Each key's calls are paced (<see cref="AnalyticsPacer"/>).
/// </summary>
public static class AnalyticsApi
{
    public sealed record CostsResponse(DateOnly From, DateOnly To, string GroupBy, IReadOnlyList<CostRow> Rows);
    public sealed record ModelsResponse(DateOnly From, DateOnly To, string? TaskType, string Sort, IReadOnlyList<ModelLeaderboardRow> Models);

    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/analytics/costs", CostsAsync).Produces<CostsResponse>();
        v1.MapGet("/analytics/models", ModelsAsync).Produces<ModelsResponse>();
        return v1;
    }

    private static async Task<IResult> CostsAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, CostAnalytics analytics, AnalyticsPacer pacer)
    {
        var caller = http.RequireScope(ApiScopes.AnalyticsRead);
        var query = http.Request.Query;
        var defaults = CostAnalytics.DefaultCostWindow(DateTimeOffset.UtcNow);
        var from = Day(query["from"], "from") ?? defaults.From;
        var to = Day(query["to"], "to") ?? defaults.To;
        RequireWindow(to.DayNumber - from.DayNumber);
        var groupByText = query["group_by"].ToString() is { Length: > 0 } g ? g : "day";
        var groupBy = CostAnalytics.ParseGroupBy(groupByText)
            ?? throw ApiProblem.BadRequest("group_by", $"group_by: must be one of {string.Join(", ", CostAnalytics.GroupBys)}");
        var scope = await ScopeAsync(http, grains, access, caller);
        await pacer.WaitTurnAsync(caller, http.RequestAborted);
        var rows = await analytics.CostsAsync(from, to, groupBy, scope, http.RequestAborted);
        return Results.Ok(new CostsResponse(from, to, groupByText, rows));
    }

    private static async Task<IResult> ModelsAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, CostAnalytics analytics, AnalyticsPacer pacer)
    {
        var caller = http.RequireScope(ApiScopes.AnalyticsRead);
        var query = http.Request.Query;
        var defaults = CostAnalytics.DefaultModelWindow(DateTimeOffset.UtcNow);
        var from = Day(query["from"], "from") ?? defaults.From;
        var to = Day(query["to"], "to") ?? defaults.To;
        RequireWindow(to.DayNumber - from.DayNumber);
        var taskType = query["task_type"].ToString() is { Length: > 0 } t ? t : null;
        if (taskType is { Length: > 64 }) throw ApiProblem.BadRequest("task_type", "task_type: must be at most 64 characters");
        var sort = query["sort"].ToString() is { Length: > 0 } s ? s : "success_rate";
        if (!CostAnalytics.Sorts.Contains(sort)) throw ApiProblem.BadRequest("sort", $"sort: must be one of {string.Join(", ", CostAnalytics.Sorts)}");
        var scope = await ScopeAsync(http, grains, access, caller);
        await pacer.WaitTurnAsync(caller, http.RequestAborted);
        var models = await analytics.ModelsAsync(from, to, taskType, sort, scope, http.RequestAborted);
        return Results.Ok(new ModelsResponse(from, to, taskType, sort, models));
    }

    private static void RequireWindow(double days)
    {
        if (days <= 0) throw ApiProblem.BadRequest("to", "to: must be after from");
        if (days > CostAnalytics.MaxWindowDays) throw ApiProblem.BadRequest("from", $"from: the window may span at most {CostAnalytics.MaxWindowDays} days");
    }

    /// <summary>
    /// Admins see everything (or <c>user_id</c>'s, <c>workspace_id</c>'s, <c>project_id</c>'s). Others see one workspace's
    /// requests, all its members' (<c>workspace_id</c>, else the workspace their key is bound to), or one project's, once
    /// they may read analytics there; with neither, their own requests in every workspace they belong to. Behind those
    /// filters the database lets the query see only the caller's workspaces (<see cref="WorkspaceAccess.ReadScope"/>).
    /// </summary>
    private static async Task<AnalyticsScope> ScopeAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, ApiKeyPrincipal caller)
    {
        var query = http.Request.Query;
        Guid? projectId = query["project_id"].ToString() is { Length: > 0 } p ? RouteValues.Id(p, "project_id") : null;
        Guid? userId = query["user_id"].ToString() is { Length: > 0 } u ? RouteValues.Id(u, "user_id") : null;
        Guid? workspaceId = query["workspace_id"].ToString() is { Length: > 0 } w ? RouteValues.Id(w, "workspace_id") : null;
        if (!caller.IsAdmin)
        {
            if (userId is { } other && other != caller.UserId) throw new ApiProblem(StatusCodes.Status403Forbidden, "user_id: only admin keys may read another user's analytics", "user_id");
            userId = caller.UserId;
            workspaceId ??= caller.WorkspaceId;
        }
        if (workspaceId is { } wid)
        {
            await WorkspacesApi.AllowedAsync(grains, access, caller, wid, WorkspacePolicy.ReadAnalytics);
            if (!caller.IsAdmin) userId = null; // a reader of the workspace sees all its members' requests
        }
        if (projectId is { } pid)
        {
            await ProjectsApi.AllowedAsync(grains, access, caller, pid, WorkspacePolicy.ReadAnalytics);
            if (!caller.IsAdmin) userId = null; // a reader of the workspace sees all of the project's requests
        }
        return new AnalyticsScope(WorkspaceAccess.ReadScope(caller), workspaceId, userId, projectId);
    }

    /// <summary>A UTC day: a date, or an RFC 3339 time that is a UTC midnight (both endpoints read the daily aggregates).</summary>
    private static DateOnly? Day(string? text, string field)
    {
        if (Instant(text, field) is not { } instant) return null;
        if (instant.UtcDateTime.TimeOfDay != TimeSpan.Zero)
            throw ApiProblem.BadRequest(field, $"{field}: costs are kept per UTC day; give a date (YYYY-MM-DD) or a UTC midnight");
        return DateOnly.FromDateTime(instant.UtcDateTime);
    }

    /// <summary>
    /// A date (its UTC midnight) or an RFC 3339 time with an offset, between 1970 and 9999 less a year (so the window
    /// arithmetic around it can never leave the calendar).
    /// </summary>
    private static DateTimeOffset? Instant(string? text, string field)
    {
        if (string.IsNullOrEmpty(text)) return null;
        DateTimeOffset instant;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            instant = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        else if (!Rfc3339.TryParse(text, out instant))
            throw ApiProblem.BadRequest(field, $"{field}: must be a date (YYYY-MM-DD) or an RFC 3339 time with an offset");
        if (instant < Earliest || instant > Latest)
            throw ApiProblem.BadRequest(field, $"{field}: must be between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}");
        return instant;
    }

    private static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset Latest = new(9998, 12, 31, 0, 0, 0, TimeSpan.Zero);
}
