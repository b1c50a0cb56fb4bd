using System.Text.Json;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Projects;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

public static class SessionsApi
{
    public sealed record StartSessionBody(Guid? ProjectId, JsonElement? Metadata, Guid? Id = null);

    public sealed record SessionResponse(Guid Id, Guid UserId, Guid? ProjectId, SessionStatus Status, long RequestCount, long InputTokens,
        long OutputTokens, decimal TotalCostUsd, IReadOnlyList<string> Models, JsonElement? Metadata, DateTimeOffset StartedAt,
        DateTimeOffset LastActivityAt, DateTimeOffset? EndedAt)
    {
        public static SessionResponse From(SessionSummary s) => new(s.Id, s.UserId, s.ProjectId, s.Status, s.RequestCount, s.InputTokens,
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

    private static async Task<IResult> StartAsync(HttpContext http, IGrainFactory grains)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var body = await JsonBody.ReadAsync<StartSessionBody>(http);
        if (body.ProjectId is { } projectId)
        {
            var project = await grains.GetGrain<IProjectGrain>(projectId).Get();
            caller.RequireOwner(project.OwnerId);
        }
        if (body.Metadata is { } m && m.ValueKind != JsonValueKind.Object) throw ApiProblem.BadRequest("metadata", "metadata: must be a JSON object");
        var id = IdempotencyKey.CreatedId(http, caller.UserId, "session", body.Id);
        var summary = await grains.GetGrain<ISessionGrain>(id)
            .Start(new StartSession(caller.UserId, body.ProjectId, body.Metadata?.GetRawText()), http.RequestAborted);
        return Results.Created($"/v1/sessions/{id}", SessionResponse.From(summary));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        return Results.Ok(SessionResponse.From(await OwnedAsync(grains, caller, RouteValues.Id(id))));
    }

    private static async Task<IResult> EndAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var sessionId = RouteValues.Id(id);
        await OwnedAsync(grains, caller, sessionId);
        return Results.Ok(SessionResponse.From(await grains.GetGrain<ISessionGrain>(sessionId).End(http.RequestAborted)));
    }

    /// <summary>The session, or 404; 403 when it belongs to another user.</summary>
    public static async Task<SessionSummary> OwnedAsync(IGrainFactory grains, ApiKeyPrincipal caller, Guid sessionId)
    {
        var summary = await grains.GetGrain<ISessionGrain>(sessionId).GetSummary();
        caller.RequireOwner(summary.UserId);
        return summary;
    }
}
