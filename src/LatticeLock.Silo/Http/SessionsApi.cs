using System.Text.Json;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

public static class SessionsApi
{
    public sealed record StartSessionBody(Guid? ProjectId, JsonElement? Metadata, Guid? Id = null, Guid? WorkspaceId = null);

    public sealed record SessionResponse(Guid Id, Guid UserId, Guid? ProjectId, Guid WorkspaceId, SessionStatus Status, long RequestCount, long InputTokens,
        long OutputTokens, decimal TotalCostUsd, IReadOnlyList<string> Models, JsonElement? Metadata, DateTimeOffset StartedAt,
        DateTimeOffset LastActivityAt, DateTimeOffset? EndedAt)
    {
        public static SessionResponse From(SessionSummary s) => new(s.Id, s.UserId, s.ProjectId, s.WorkspaceId, s.Status, s.RequestCount, s.InputTokens,
            s.OutputTokens, s.TotalCostUsd, s.Models, s.MetadataJson is null ? null : JsonDocument.Parse(s.MetadataJson).RootElement,
            s.StartedAt, s.LastActivityAt, s.EndedAt);
    }

    public static RouteGroupBuilder MapSessionsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/sessions", StartAsync).Accepts<StartSessionBody>(isOptional: true, "application/json").Produces<SessionResponse>(StatusCodes.Status201Created);
        v1.MapGet("/sessions/{id}", GetAsync).Produces<SessionResponse>();
        v1.MapPost("/sessions/{id}/end", EndAsync).Produces<SessionResponse>();
        return v1;
    }

    /// <summary>
    /// A session lives in its project's workspace; without a project, in <c>workspace_id</c>, else the key's workspace,
    /// else the caller's personal one. The caller must be a member there (404) who may write sessions (403).
    /// </summary>
    private static async Task<IResult> StartAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var body = await JsonBody.ReadAsync<StartSessionBody>(http);
        Guid workspaceId;
        if (body.ProjectId is { } projectId)
        {
            var project = await grains.GetGrain<IProjectGrain>(projectId).Get();
            await access.RequireAsync(caller, project.WorkspaceId, WorkspacePolicy.WriteSessions, "project", projectId);
            if (body.WorkspaceId is { } asked && asked != project.WorkspaceId)
                throw ApiProblem.BadRequest("workspace_id", $"workspace_id: project {projectId} lives in workspace {project.WorkspaceId}, not {asked}");
            workspaceId = project.WorkspaceId;
        }
        else
        {
            workspaceId = body.WorkspaceId ?? WorkspaceAccess.DefaultWorkspace(caller);
            await access.RequireAsync(caller, workspaceId, WorkspacePolicy.WriteSessions);
        }
        if (body.Metadata is { } m && m.ValueKind != JsonValueKind.Object) throw ApiProblem.BadRequest("metadata", "metadata: must be a JSON object");
        var id = IdempotencyKey.CreatedId(http, caller.UserId, "session", body.Id);
        var summary = await grains.GetGrain<ISessionGrain>(id)
            .Start(new StartSession(caller.UserId, body.ProjectId, body.Metadata?.GetRawText(), workspaceId), http.RequestAborted);
        return Results.Created($"/v1/sessions/{id}", SessionResponse.From(summary));
    }

    private static async Task<IResult> GetAsync(HttpContext http, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var session = await owners.RequireAsync(caller, RouteValues.Id(id), WorkspacePolicy.ReadSessions);
        return Results.Ok(SessionResponse.From(await session.Grain.GetSummary()));
    }

    private static async Task<IResult> EndAsync(HttpContext http, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var session = await owners.RequireAsync(caller, RouteValues.Id(id), WorkspacePolicy.WriteSessions);
        return Results.Ok(SessionResponse.From(await session.Grain.End(http.RequestAborted)));
    }
}
