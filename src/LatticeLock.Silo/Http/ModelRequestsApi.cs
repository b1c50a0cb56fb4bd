using System.Text.Json;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Prices;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Http;

public static class ModelRequestsApi
{
    public const int MaxBatch = 1000;

    /// <summary>Distinct sessions one batch call may name (each is a grain to activate); items of further sessions are rejected (400 <c>session_id</c>).</summary>
    public const int MaxBatchSessions = 100;

    public sealed record BatchBody(JsonElement Requests);

    public sealed record BatchItemResult(int Index, Guid? Id, string Status, int HttpStatus, string? Field, string? Error);

    public sealed record BatchResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<BatchItemResult> Results);

    public static RouteGroupBuilder MapModelRequestsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/model-requests", RecordAsync).Accepts<JsonElement>(isOptional: true, "application/json")
            .Produces<ModelRequestResponse>(StatusCodes.Status201Created).Produces<ModelRequestResponse>();
        v1.MapPost("/model-requests/batch", RecordBatchAsync).Accepts<BatchBody>(isOptional: true, "application/json").Produces<BatchResponse>();
        v1.MapGet("/model-requests/{id}", GetAsync).Produces<ModelRequestResponse>();
        return v1;
    }

    /// <summary>
    /// A stored request with its <c>cost_breakdown</c>: for costs from the price table, each token class's tokens,
    /// USD per million and USD, recomputed from the price row the request recorded (rows are never changed, so the
    /// parts sum to the stored total); null for costs the client sent, unpriced requests, and requests priced before
    /// migration 21. A request of a session the caller may not read is 404, as an unknown id is.
    /// </summary>
    private static async Task<IResult> GetAsync(HttpContext http, ModelRequestQueries queries, PriceRepository prices, SessionOwners owners, string id)
    {
        var caller = http.RequireScope(ApiScopes.SessionsRead);
        var requestId = RouteValues.Id(id);
        var row = await queries.FindAsync(requestId, WorkspaceAccess.ReadScope(caller), http.RequestAborted) ?? throw ApiProblem.NotFound($"id: no model request {requestId}");
        try
        {
            await owners.RequireAsync(caller, row.SessionId, WorkspacePolicy.ReadSessions);
        }
        catch (NotFoundException)
        {
            throw ApiProblem.NotFound($"id: no model request {requestId}");
        }
        IReadOnlyList<CostPart>? breakdown = null;
        if (row.Request is { CostSource: CostSource.PriceTable, PriceId: { } priceId } && await prices.GetAsync(priceId, http.RequestAborted) is { } price)
            breakdown = TokenPricing.Breakdown(row.Request, price);
        return Results.Ok(new ModelRequestResponse(row, CostBreakdown: breakdown, WithBreakdown: true));
    }

    private static async Task<IResult> RecordAsync(HttpContext http, SessionOwners owners, IOptions<JsonOptions> json)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var idempotencyKey = IdempotencyKey.Read(http);
        var element = await JsonBody.ReadObjectAsync(http);
        // The id is fixed before anything can fail, and every answer carries it (a 503's body too), so a client that
        // sent none can still retry with it and be answered as a duplicate.
        var id = ModelRequestJson.IdOf(element)
            ?? (idempotencyKey is null ? Guid.NewGuid() : IdempotencyKey.ModelRequestId(caller.UserId, idempotencyKey, null));
        http.Items[ProblemMapping.ModelRequestIdItem] = id;
        var body = ModelRequestJson.FromBody(element, json.Value.SerializerOptions, id);
        var fromHeader = idempotencyKey is not null && ModelRequestJson.IdOf(element) is null;
        ModelRequestRow row;
        bool duplicate;
        bool? settled;
        try
        {
            (row, duplicate, settled) = await SiloLossRetry.RunAsync(() => RecordOneAsync(owners, caller, body, http.RequestAborted), http.RequestAborted);
        }
        catch (ConflictException c) when (fromHeader && c.Field == "id")
        {
            throw new ApiProblem(StatusCodes.Status409Conflict, HeaderConflict(c), IdempotencyKey.Header);
        }
        if (!duplicate) return Results.Created($"/v1/model-requests/{row.Request.Id}", new ModelRequestResponse(row, settled));
        return Results.Ok(new ModelRequestResponse(row));
    }

    private static async Task<IResult> RecordBatchAsync(HttpContext http, SessionOwners owners, IOptions<JsonOptions> json)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var idempotencyKey = IdempotencyKey.Read(http);
        var body = await JsonBody.ReadAsync<BatchBody>(http);
        if (body.Requests.ValueKind != JsonValueKind.Array) throw ApiProblem.BadRequest("requests", "requests: must be an array");
        var count = body.Requests.GetArrayLength();
        if (count is 0 or > MaxBatch) throw ApiProblem.BadRequest("requests", $"requests: must hold 1 to {MaxBatch} items (got {count})");

        // The first MaxBatchSessions distinct sessions named, in item order; items of any other session are rejected.
        var sessions = new HashSet<Guid>();
        foreach (var item in body.Requests.EnumerateArray())
        {
            if (sessions.Count == MaxBatchSessions) break;
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("session_id", out var named)
                && named.ValueKind == JsonValueKind.String && Guid.TryParse(named.GetString(), out var sessionId)) sessions.Add(sessionId);
        }

        // Each item stands on its own: parsed, validated and recorded independently; all are recorded concurrently.
        var results = await Task.WhenAll(body.Requests.EnumerateArray().Select(async (item, index) =>
        {
            // Every item's id is fixed first and returned whatever its outcome (a rejected item can be retried with it).
            var id = ModelRequestJson.IdOf(item)
                ?? (idempotencyKey is null ? Guid.NewGuid() : IdempotencyKey.ModelRequestId(caller.UserId, idempotencyKey, index));
            try
            {
                var request = ModelRequestJson.FromBody(item, json.Value.SerializerOptions, id);
                if (!sessions.Contains(request.SessionId))
                    return new BatchItemResult(index, id, "rejected", StatusCodes.Status400BadRequest, "session_id",
                        $"session_id: a batch may name at most {MaxBatchSessions} distinct sessions; send this one in another batch");
                var (row, duplicate, _) = await SiloLossRetry.RunAsync(() => RecordOneAsync(owners, caller, request, http.RequestAborted), http.RequestAborted);
                return new BatchItemResult(index, row.Request.Id, duplicate ? "duplicate" : "created", duplicate ? 200 : 201, null, null);
            }
            catch (ConflictException c) when (c.Field == "id" && idempotencyKey is not null && ModelRequestJson.IdOf(item) is null)
            {
                return new BatchItemResult(index, id, "rejected", StatusCodes.Status409Conflict, IdempotencyKey.Header, HeaderConflict(c));
            }
            catch (Exception e) when (Rejection(e) is { } r)
            {
                return new BatchItemResult(index, id, "rejected", r.Status, r.Field, r.Detail);
            }
        }));
        return Results.Ok(new BatchResponse(
            results.Count(r => r.Status == "created"), results.Count(r => r.Status == "duplicate"), results.Count(r => r.Status == "rejected"), results));
    }

    /// <summary>
    /// Records one request; for a repeated id returns the stored row. Ids are global, so a repeated id stored under
    /// another session is a conflict: never reveal or count another tenant's request.
    /// </summary>
    private static async Task<(ModelRequestRow Row, bool Duplicate, bool? ReservationSettled)> RecordOneAsync(SessionOwners owners, ApiKeyPrincipal caller, ModelRequestRow b, CancellationToken ct)
    {
        var session = await owners.RequireAsync(caller, b.SessionId, WorkspacePolicy.WriteSessions);
        // The grain answers with the stored request (a repeat: its first attempt's row, checked to be this session's).
        var ack = await session.Grain.RecordModelRequest(b.Request, ct);
        return (new ModelRequestRow(b.SessionId, session.UserId, ack.Stored, session.ProjectId, WorkspaceId: session.WorkspaceId), ack.WasDuplicate, ack.WasDuplicate ? null : ack.ReservationSettled);
    }

    /// <summary>A reused id that was derived from the Idempotency-Key header: the header is what the client must change.</summary>
    private static string HeaderConflict(ConflictException c) =>
        $"{IdempotencyKey.Header}: this key was already used for another request ({c.Message}); a new request needs a new key";

    /// <summary>One batch item's failure, mapped like a single request's; anything unexplained fails only that item (503).</summary>
    private static (int Status, string Detail, string? Field)? Rejection(Exception e) => e switch
    {
        JsonException j => (400, $"{JsonBody.FieldOf(j)}: has a missing, mistyped or unknown value", JsonBody.FieldOf(j)),
        OperationCanceledException => null, // the client went away: let the request fail as a whole
        _ => ProblemMapping.Map(e) ?? (503, $"could not be recorded ({e.GetType().Name}); retry with the same id", null),
    };
}
