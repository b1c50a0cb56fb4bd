using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Traces;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

/// <summary>
/// Stored traces: <c>GET /v1/traces/{trace_id}</c> (the span tree with durations, self time and cost per subtree) and
/// <c>GET /v1/sessions/{id}/traces</c>. Need <c>sessions:read</c>; only the key's own user's traces, or an admin key.
/// </summary>
public static class TracesApi
{
    public static RouteGroupBuilder MapTracesApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/traces/{traceId}", GetAsync).Produces<TraceTree>();
        v1.MapGet("/sessions/{id}/traces", ListAsync).Produces<IReadOnlyList<TraceSummary>>();
        return v1;
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, string traceId)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var id = RouteValues.TraceId(traceId);
        var tree = await grains.GetGrain<ITraceReaderGrain>(0).GetTrace(id, http.RequestAborted)
            ?? throw ApiProblem.NotFound($"no span of trace {id} is stored");
        caller.RequireOwner(tree.UserId);
        return Results.Ok(tree);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var limit = RouteValues.OptionalInt(http.Request, "limit", 1, 1000);
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var sessionId = RouteValues.Id(id);
        await SessionsApi.OwnedAsync(grains, caller, sessionId);
        return Results.Ok(await grains.GetGrain<ITraceReaderGrain>(0).ListForSession(sessionId, limit ?? 100, http.RequestAborted));
    }
}
