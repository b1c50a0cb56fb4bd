using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Prices;
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
        return v1;
    }

    private static async Task<IResult> SetAsync(HttpContext http, IGrainFactory grains)
    {
        http.RequireScope(ApiScopes.Admin);
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
        };
        var (stored, created) = await grains.GetGrain<IPriceTableGrain>(0).Set(price, http.RequestAborted);
        return created ? Results.Created($"/v1/model-prices?provider={Uri.EscapeDataString(price.Provider)}&model={Uri.EscapeDataString(price.Model)}", stored) : Results.Ok(stored);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IGrainFactory grains)
    {
        http.Caller(); // any valid key may read prices
        var provider = http.Request.Query["provider"].ToString();
        var model = http.Request.Query["model"].ToString();
        return Results.Ok(new PricesResponse(await grains.GetGrain<IPriceTableGrain>(0).List(
            provider.Length == 0 ? null : provider, model.Length == 0 ? null : model, http.RequestAborted)));
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
