using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Grains.Prices;
using LatticeLock.Silo.Auth;
using LatticeLock.Silo.Prices;
using LatticeLock.Storage.Prices;

namespace LatticeLock.Silo.Http;

public static class PricesApi
{
    public sealed record PriceBody(string Provider, string Model, decimal? InputUsdPerMtok, decimal? OutputUsdPerMtok, decimal? CachedInputUsdPerMtok,
        DateTimeOffset? EffectiveFrom, decimal? CacheWriteInputUsdPerMtok = null, decimal? ReasoningOutputUsdPerMtok = null,
        int? LongContextThresholdTokens = null, decimal? LongContextInputUsdPerMtok = null, decimal? LongContextOutputUsdPerMtok = null,
        decimal? BatchMultiplier = null, decimal? FlexMultiplier = null, decimal? PriorityMultiplier = null, decimal? CacheWrite1hInputUsdPerMtok = null);
    public sealed record PricesResponse(IReadOnlyList<ModelPrice> Prices);
    public sealed record RepriceBody(DateTimeOffset? From, DateTimeOffset? To, string? Provider, string? Model, Guid? ResumeRunId);
    public sealed record RepriceRunsResponse(IReadOnlyList<RepriceRun> Runs);

    public static RouteGroupBuilder MapPricesApi(this RouteGroupBuilder v1)
    {
        v1.MapPut("/model-prices", SetAsync).Accepts<PriceBody>(isOptional: true, "application/json").Produces<ModelPrice>();
        v1.MapGet("/model-prices", ListAsync).Produces<PricesResponse>();
        v1.MapPost("/model-prices/reprice", RepriceAsync).Accepts<RepriceBody>(isOptional: true, "application/json").Produces<RepriceRun>();
        v1.MapGet("/model-prices/reprice-runs", ListRunsAsync).Produces<RepriceRunsResponse>();
        v1.MapGet("/model-prices/reprice-runs/{id}", GetRunAsync).Produces<RepriceRun>();
        v1.MapPut("/workspaces/{id}/model-prices", SetOverrideAsync).Accepts<PriceBody>(isOptional: true, "application/json").Produces<ModelPrice>();
        v1.MapGet("/workspaces/{id}/model-prices", ListOverridesAsync).Produces<PricesResponse>();
        v1.MapDelete("/workspaces/{id}/model-prices", RemoveOverrideAsync).Produces(StatusCodes.Status204NoContent);
        return v1;
    }

    private static async Task<IResult> SetAsync(HttpContext http, IGrainFactory grains)
    {
        http.RequireScope(ApiScopes.Admin);
        return await StoreAsync(http, grains, null, "/v1/model-prices");
    }

    /// <summary>A workspace's override of a model's price (admins): prices the workspace's requests in place of the platform's row.</summary>
    private static async Task<IResult> SetOverrideAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ManagePrices);
        return await StoreAsync(http, grains, workspaceId, $"/v1/workspaces/{workspaceId}/model-prices");
    }

    private static async Task<IResult> ListOverridesAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ReadWorkspace);
        var (provider, model) = (Query(http, "provider"), Query(http, "model"));
        return Results.Ok(new PricesResponse(await grains.GetGrain<IPriceTableGrain>(0).ListOverrides(workspaceId, provider, model, http.RequestAborted)));
    }

    private static async Task<IResult> RemoveOverrideAsync(HttpContext http, IGrainFactory grains, WorkspaceAccess access, string id)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ManagePrices);
        var provider = Query(http, "provider") ?? throw ApiProblem.BadRequest("provider", "provider: the query parameter is required");
        var model = Query(http, "model") ?? throw ApiProblem.BadRequest("model", "model: the query parameter is required");
        await grains.GetGrain<IPriceTableGrain>(0).RemoveOverride(workspaceId, provider, model, http.RequestAborted);
        return Results.NoContent();
    }

    private static string? Query(HttpContext http, string name) => http.Request.Query[name].ToString() is { Length: > 0 } value ? value : null;

    /// <summary>Stores the body's price (the platform's, or the workspace's override): 201 for a new effective date, 200 when it replaced one.</summary>
    private static async Task<IResult> StoreAsync(HttpContext http, IGrainFactory grains, Guid? workspaceId, string listPath)
    {
        var body = await JsonBody.ReadAsync<PriceBody>(http);
        var price = new ModelPrice(body.Provider, body.Model,
            body.InputUsdPerMtok ?? throw ApiProblem.BadRequest("input_usd_per_mtok", "input_usd_per_mtok: is required"),
            body.OutputUsdPerMtok ?? throw ApiProblem.BadRequest("output_usd_per_mtok", "output_usd_per_mtok: is required"),
            body.CachedInputUsdPerMtok,
            body.EffectiveFrom ?? throw ApiProblem.BadRequest("effective_from", "effective_from: is required"))
        {
            CacheWriteInputUsdPerMtok = body.CacheWriteInputUsdPerMtok,
            CacheWrite1hInputUsdPerMtok = body.CacheWrite1hInputUsdPerMtok,
            ReasoningOutputUsdPerMtok = body.ReasoningOutputUsdPerMtok,
            LongContextThresholdTokens = body.LongContextThresholdTokens,
            LongContextInputUsdPerMtok = body.LongContextInputUsdPerMtok,
            LongContextOutputUsdPerMtok = body.LongContextOutputUsdPerMtok,
            BatchMultiplier = body.BatchMultiplier,
            FlexMultiplier = body.FlexMultiplier,
            PriorityMultiplier = body.PriorityMultiplier,
            WorkspaceId = workspaceId,
        };
        var (stored, created) = await grains.GetGrain<IPriceTableGrain>(0).Set(price, http.RequestAborted);
        return created ? Results.Created($"{listPath}?provider={Uri.EscapeDataString(price.Provider)}&model={Uri.EscapeDataString(price.Model)}", stored) : Results.Ok(stored);
    }

    /// <summary>The platform's prices (any valid key may read them; workspace overrides are listed per workspace).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains)
    {
        http.Caller();
        return Results.Ok(new PricesResponse(await grains.GetGrain<IPriceTableGrain>(0).List(Query(http, "provider"), Query(http, "model"), http.RequestAborted)));
    }

    /// <summary>
    /// Runs a reprice to its end (or continues <c>resume_run_id</c>) and answers with the run's record. The run goes on
    /// if the caller hangs up (its progress is readable at /v1/model-prices/reprice-runs/{id}); a silo stopping ends it
    /// after a chunk, and resuming it continues there.
    /// </summary>
    private static async Task<IResult> RepriceAsync(HttpContext http, CostRepricer repricer, CorrectedCostOwners owners, IHostApplicationLifetime lifetime)
    {
        var caller = http.RequireScope(ApiScopes.Admin);
        var body = await JsonBody.ReadAsync<RepriceBody>(http);
        RepriceWindow? window = null;
        if (body.ResumeRunId is null)
        {
            window = new RepriceWindow(
                body.From ?? throw ApiProblem.BadRequest("from", "from: is required (or resume_run_id)"),
                body.To ?? throw ApiProblem.BadRequest("to", "to: is required (or resume_run_id)"),
                body.Provider, body.Model).Validated();
        }
        var run = await repricer.RunAsync(window, body.ResumeRunId, $"key:{caller.Prefix}", progress: null, lifetime.ApplicationStopping);
        await owners.RefreshAsync(run.Id, lifetime.ApplicationStopping);
        return Results.Ok(run);
    }

    private static async Task<IResult> ListRunsAsync(HttpContext http, RepriceRunStore runs)
    {
        http.RequireScope(ApiScopes.Admin);
        return Results.Ok(new RepriceRunsResponse(await runs.ListAsync(http.RequestAborted)));
    }

    private static async Task<IResult> GetRunAsync(HttpContext http, string id, RepriceRunStore runs)
    {
        http.RequireScope(ApiScopes.Admin);
        var runId = RouteValues.Id(id, "id");
        return await runs.GetAsync(runId, http.RequestAborted) is { } run ? Results.Ok(run) : throw ApiProblem.NotFound($"reprice run {runId} does not exist");
    }
}
