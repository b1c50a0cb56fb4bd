using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Stored traces: <c>GET /v1/traces/{trace_id}?cursor=&amp;limit=&amp;user_id=</c> (a page of spans in tree order, each with
/// its parent, depth, durations, self time and the cost of its subtree) and <c>GET /v1/sessions/{id}/traces</c>. Need
/// <c>sessions:read</c>. A trace id is scoped to its owner: a key reads its own user's trace; an admin key names the
/// owner with <c>user_id</c> (optional when only one user has a trace with that id). A session's traces are read by
/// whoever may read the session in its workspace.
/// </summary>
public static class TracesApi
{
    public static RouteGroupBuilder MapTracesApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/traces/{traceId}", GetAsync).Produces<TracePage>();
        v1.MapGet("/sessions/{id}/traces", ListAsync).Produces<IReadOnlyList<TraceSummary>>();
        return v1;
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, string traceId)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var id = RouteValues.TraceId(traceId);
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, int.MaxValue);
        var cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        var reader = grains.GetGrain<ITraceReaderGrain>(0);
        var owner = caller.UserId;
        if (http.Request.Query["user_id"].ToString() is { Length: > 0 } named)
        {
            owner = RouteValues.Id(named, "user_id");
            caller.RequireOwner(owner);
        }
        else if (caller.IsAdmin)
        {
            var owners = await reader.OwnersOf(id, http.RequestAborted);
            if (owners.Count > 1)
                throw ApiProblem.BadRequest("user_id", $"user_id: {owners.Count} users have a trace {id}; name the owner with ?user_id=");
            if (owners.Count == 1) owner = owners[0];
        }
        var page = await reader.GetTracePage(owner, id, cursor, limit, http.RequestAborted)
            ?? throw ApiProblem.NotFound($"no span of trace {id} is stored");
        return Results.Ok(page);
    }
    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, 1000);
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var sessionId = RouteValues.Id(id);
        await SessionsApi.AllowedAsync(grains, access, caller, sessionId, WorkspacePolicy.ReadSessions);
        return Results.Ok(await grains.GetGrain<ITraceReaderGrain>(0).ListForSession(sessionId, limit ?? 100, http.RequestAborted));
    }
}
