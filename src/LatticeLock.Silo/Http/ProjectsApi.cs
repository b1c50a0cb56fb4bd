using System.Globalization;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

public static class ProjectsApi
{
    public sealed record CreateProjectBody(string Name, string? Path, Guid? Id = null, Guid? WorkspaceId = null);
    public sealed record UpdateProjectBody(string? Name, string? Path, ProjectStatus? Status);
    public sealed record ProjectErrorBody(string ErrorType, string Message, string Severity, string? FilePath, int? LineNumber);
    public sealed record ProjectErrorResponse(long Id, Guid ProjectId);

    public static RouteGroupBuilder MapProjectsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/projects", CreateAsync).Accepts<CreateProjectBody>(isOptional: true, "application/json").Produces<ProjectDetails>(StatusCodes.Status201Created);
        v1.MapGet("/projects/{id}", GetAsync).Produces<ProjectDetails>();
        v1.MapPatch("/projects/{id}", UpdateAsync).Accepts<UpdateProjectBody>(isOptional: true, "application/json").Produces<ProjectDetails>();
        v1.MapPost("/projects/{id}/errors", RecordErrorAsync).Accepts<ProjectErrorBody>(isOptional: true, "application/json").Produces<ProjectErrorResponse>(StatusCodes.Status201Created);
        return v1;
    }

    /// <summary>A project goes into <c>workspace_id</c>, else the key's workspace, else the caller's personal one; creating one takes the admin role there.</summary>
    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var body = await JsonBody.ReadAsync<CreateProjectBody>(http);
        var workspaceId = body.WorkspaceId ?? WorkspaceAccess.DefaultWorkspace(caller);
        await access.RequireAsync(caller, workspaceId, WorkspacePolicy.ManageProjects);
        var id = IdempotencyKey.CreatedId(http, caller.UserId, "project", body.Id);
        var project = await grains.GetGrain<IProjectGrain>(id).Create(new CreateProject(caller.UserId, body.Name, body.Path, workspaceId), http.RequestAborted);
        return WithVersion(http, project, Results.Created($"/v1/projects/{id}", project));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsRead);
        var project = await AllowedAsync(grains, access, caller, RouteValues.Id(id), WorkspacePolicy.ReadProjects);
        return WithVersion(http, project, Results.Ok(project));
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var projectId = RouteValues.Id(id);
        var ifMatch = http.Request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (ifMatch.Length == 0) throw new ApiProblem(StatusCodes.Status428PreconditionRequired, "PATCH needs If-Match: <version> (the version you read)", "If-Match");
        if (!int.TryParse(ifMatch, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) || expected < 1)
            throw ApiProblem.BadRequest("If-Match", "If-Match: must be a project version (a positive integer)");
        await AllowedAsync(grains, access, caller, projectId, WorkspacePolicy.ManageProjects);
        var body = await JsonBody.ReadAsync<UpdateProjectBody>(http);
        var project = await grains.GetGrain<IProjectGrain>(projectId).Update(new UpdateProject(expected, body.Name, body.Path, body.Status), http.RequestAborted);
        return WithVersion(http, project, Results.Ok(project));
    }

    private static async Task<IResult> RecordErrorAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var caller = http.RequireScope(ApiScopes.ProjectsWrite);
        var projectId = RouteValues.Id(id);
        await AllowedAsync(grains, access, caller, projectId, WorkspacePolicy.ReportProjectErrors);
        var body = await JsonBody.ReadAsync<ProjectErrorBody>(http);
        var errorId = await grains.GetGrain<IProjectGrain>(projectId)
            .RecordError(new ProjectErrorReport(body.ErrorType, body.Message, body.Severity, body.FilePath, body.LineNumber), http.RequestAborted);
        return Results.Created($"/v1/projects/{projectId}/errors/{errorId}", new ProjectErrorResponse(errorId, projectId));
    }

    /// <summary>The project, once the caller may <paramref name="permission"/> in its workspace: 404 (unknown, or not the caller's to see) or 403 otherwise.</summary>
    internal static async Task<ProjectDetails> AllowedAsync(IGrainFactory grains, WorkspaceAccess access, ApiKeyPrincipal caller, Guid projectId,
        WorkspacePermission permission)
    {
        var project = await grains.GetGrain<IProjectGrain>(projectId).Get();
        await access.RequireAsync(caller, project.WorkspaceId, permission, "project", projectId);
        return project;
    }

    private static IResult WithVersion(HttpContext http, ProjectDetails project, IResult result)
    {
        http.Response.Headers.ETag = $"\"{project.Version.ToString(CultureInfo.InvariantCulture)}\"";
        return result;
    }
}
