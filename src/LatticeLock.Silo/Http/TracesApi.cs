using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.Traces;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Stored traces: <c>GET /v1/traces/{trace_id}?cursor=&amp;limit=&amp;user_id=</c> (a page of spans in tree order, each with
/// its parent, depth, durations, self time and the cost of its subtree) and <c>GET /v1/sessions/{id}/traces</c>. Need
/// <c>sessions:read</c>. A trace lives in its session's workspace (else in the workspace of the key that sent it) and is
/// read by whoever may read sessions there. Trace ids are scoped to their sender: when several senders in the caller's
/// reach have a trace with that id, the caller's own is read, else <c>user_id</c> names the sender. A session's traces
/// are read by whoever may read the session in its workspace.
/// </summary>
public static class TracesApi
{
    public static RouteGroupBuilder MapTracesApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/traces/{traceId}", GetAsync).Produces<TracePage>();
        v1.MapGet("/sessions/{id}/traces", ListAsync).Produces<IReadOnlyList<TraceSummary>>();
        return v1;
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, TraceQueries traces, string traceId)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var id = RouteValues.TraceId(traceId);
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, int.MaxValue);
        var cursor = http.Request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        Guid? named = http.Request.Query["user_id"].ToString() is { Length: > 0 } u ? RouteValues.Id(u, "user_id") : null;
        // The traces with this id the caller's workspaces hold (the database's wall decides), then the role there.
        var owners = (await traces.OwnersAsync(id, WorkspaceAccess.ReadScope(caller), http.RequestAborted))
            .Where(o => named is null || o.UserId == named).ToList();
        if (owners.Count > 1 && owners.FindIndex(o => o.UserId == caller.UserId) is var mine and >= 0) owners = [owners[mine]];
        if (owners.Count > 1)
            throw ApiProblem.BadRequest("user_id", $"user_id: {owners.Count} users have a trace {id}; name its sender with ?user_id=");
        if (owners.Count == 0) throw ApiProblem.NotFound($"no span of trace {id} is stored");
        await access.RequireAsync(caller, owners[0].WorkspaceId, WorkspacePolicy.ReadSessions);
        var page = await grains.GetGrain<ITraceReaderGrain>(0).GetTracePage(owners[0].UserId, id, cursor, limit, http.RequestAborted)
            ?? throw ApiProblem.NotFound($"no span of trace {id} is stored");
        return Results.Ok(page);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, SessionOwners owners, string id)
    {
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, 1000);
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var sessionId = RouteValues.Id(id);
        await owners.RequireAsync(caller, sessionId, WorkspacePolicy.ReadSessions);
        return Results.Ok(await grains.GetGrain<ITraceReaderGrain>(0).ListForSession(sessionId, limit ?? 100, http.RequestAborted));
    }
}
