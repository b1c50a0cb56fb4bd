using System.Text.Json;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Silo.Auth;
using LatticeLock.Storage.ModelRequests;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace LatticeLock.Silo.Http;

public static class ModelRequestsApi
{
    public const int MaxBatch = 1000;

    /// <summary>One model request as JSON; <c>id</c> is optional (give it to make retries idempotent).</summary>
    public sealed record ModelRequestBody(
        Guid? Id, Guid SessionId, Guid? ChatId, string? TraceId, string? ParentSpanId, string? SpanId, string ModelId, string? ModelName,
        string Provider, string? TaskType, string? Priority, DateTimeOffset RequestedAt, DateTimeOffset? RespondedAt, int? LatencyMs,
        int InputTokens, int OutputTokens, decimal? InputCostUsd, decimal? OutputCostUsd, ModelRequestStatus? Status, string? ErrorCode,
        string? ErrorMessage, JsonElement? FunctionCalls, JsonElement? FunctionResults, int? ContextWindowUsed, decimal? Temperature,
        int? MaxTokens, bool WasFallback, string? OriginalModelId, decimal? SelectionScore, string? SelectionReason,
        JsonElement? RawRequest, JsonElement? RawResponse, JsonElement? Metadata, Guid? ReservationId);

    public sealed record ModelRequestResponse(
        Guid Id, Guid SessionId, Guid UserId, Guid? ChatId, string? TraceId, string? ParentSpanId, string? SpanId, string ModelId,
        string? ModelName, string Provider, string? TaskType, string? Priority, DateTimeOffset RequestedAt, DateTimeOffset? RespondedAt,
        int? LatencyMs, int InputTokens, int OutputTokens, long TotalTokens, decimal? InputCostUsd, decimal? OutputCostUsd, decimal? TotalCostUsd, CostSource CostSource,
        ModelRequestStatus Status, string? ErrorCode, string? ErrorMessage, JsonElement? FunctionCalls, JsonElement? FunctionResults,
        int? ContextWindowUsed, decimal? Temperature, int? MaxTokens, bool WasFallback, string? OriginalModelId, decimal? SelectionScore,
        string? SelectionReason, JsonElement? Metadata, Guid? ProjectId, Guid? ReservationId, bool? ReservationSettled)
    {
        public static ModelRequestResponse From(ModelRequestRow row, bool? reservationSettled = null)
        {
            var r = row.Request;
            return new(r.Id, row.SessionId, row.UserId, r.ChatId, r.TraceId, r.ParentSpanId, r.SpanId, r.ModelId, r.ModelName, r.Provider,
                r.TaskType, r.Priority, r.RequestedAt, r.RespondedAt, r.LatencyMs, r.InputTokens, r.OutputTokens, r.TotalTokens,
                r.InputCostUsd, r.OutputCostUsd, r.CostSource == CostSource.Unpriced ? null : r.TotalCostUsd, r.CostSource, r.Status, r.ErrorCode, r.ErrorMessage, Json(r.FunctionCallsJson),
                Json(r.FunctionResultsJson), r.ContextWindowUsed, r.Temperature, r.MaxTokens, r.WasFallback, r.OriginalModelId,
                r.SelectionScore, r.SelectionReason, Json(r.MetadataJson), row.ProjectId, r.ReservationId, reservationSettled);
        }

        private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    public sealed record BatchBody(JsonElement Requests);

    public sealed record BatchItemResult(int Index, Guid? Id, string Status, int HttpStatus, string? Field, string? Error);

    public sealed record BatchResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<BatchItemResult> Results);

    public static RouteGroupBuilder MapModelRequestsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/model-requests", RecordAsync).Accepts<ModelRequestBody>(isOptional: true, "application/json")
            .Produces<ModelRequestResponse>(StatusCodes.Status201Created).Produces<ModelRequestResponse>();
        v1.MapPost("/model-requests/batch", RecordBatchAsync).Accepts<BatchBody>(isOptional: true, "application/json").Produces<BatchResponse>();
        return v1;
    }

    private static async Task<IResult> RecordAsync(HttpContext http, IGrainFactory grains, ModelRequestQueries queries)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var body = await JsonBody.ReadAsync<ModelRequestBody>(http);
        var (row, duplicate, settled) = await RecordOneAsync(grains, queries, caller, body, http.RequestAborted);
        if (!duplicate) return Results.Created($"/v1/model-requests/{row.Request.Id}", ModelRequestResponse.From(row, settled));
        return Results.Ok(ModelRequestResponse.From(row));
    }

    private static async Task<IResult> RecordBatchAsync(HttpContext http, IGrainFactory grains, ModelRequestQueries queries, IOptions<JsonOptions> json)
    {
        var caller = http.RequireScope(ApiScopes.SessionsWrite);
        var body = await JsonBody.ReadAsync<BatchBody>(http);
        if (body.Requests.ValueKind != JsonValueKind.Array) throw ApiProblem.BadRequest("requests", "requests: must be an array");
        var count = body.Requests.GetArrayLength();
        if (count is 0 or > MaxBatch) throw ApiProblem.BadRequest("requests", $"requests: must hold 1 to {MaxBatch} items (got {count})");

        // Each item stands on its own: parsed, validated and recorded independently; all are recorded concurrently.
        var results = await Task.WhenAll(body.Requests.EnumerateArray().Select(async (item, index) =>
        {
            Guid? id = null;
            try
            {
                var request = item.Deserialize<ModelRequestBody>(json.Value.SerializerOptions)
                    ?? throw ApiProblem.BadRequest("body", "the item must be a JSON object");
                id = request.Id;
                var (row, duplicate, _) = await RecordOneAsync(grains, queries, caller, request, http.RequestAborted);
                return new BatchItemResult(index, row.Request.Id, duplicate ? "duplicate" : "created", duplicate ? 200 : 201, null, null);
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
    private static async Task<(ModelRequestRow Row, bool Duplicate, bool? ReservationSettled)> RecordOneAsync(IGrainFactory grains, ModelRequestQueries queries, ApiKeyPrincipal caller, ModelRequestBody b, CancellationToken ct)
    {
        if (b.SessionId == Guid.Empty) throw ApiProblem.BadRequest("session_id", "session_id: is required and must not be the nil UUID");
        var session = await SessionsApi.OwnedAsync(grains, caller, b.SessionId);
        var record = new ModelRequestRecord
        {
            Id = b.Id ?? Guid.NewGuid(), ChatId = b.ChatId, TraceId = b.TraceId, ParentSpanId = b.ParentSpanId, SpanId = b.SpanId,
            ModelId = b.ModelId, ModelName = b.ModelName, Provider = b.Provider, TaskType = b.TaskType, Priority = b.Priority,
            RequestedAt = b.RequestedAt, RespondedAt = b.RespondedAt, LatencyMs = b.LatencyMs, InputTokens = b.InputTokens,
            OutputTokens = b.OutputTokens, InputCostUsd = b.InputCostUsd, OutputCostUsd = b.OutputCostUsd,
            Status = b.Status ?? throw ApiProblem.BadRequest("status", "status: is required (success, error, timeout or fallback)"),
            ErrorCode = b.ErrorCode, ErrorMessage = b.ErrorMessage, FunctionCallsJson = b.FunctionCalls?.GetRawText(),
            FunctionResultsJson = b.FunctionResults?.GetRawText(), ContextWindowUsed = b.ContextWindowUsed, Temperature = b.Temperature,
            MaxTokens = b.MaxTokens, WasFallback = b.WasFallback, OriginalModelId = b.OriginalModelId, SelectionScore = b.SelectionScore,
            SelectionReason = b.SelectionReason, RawRequestJson = b.RawRequest?.GetRawText(), RawResponseJson = b.RawResponse?.GetRawText(),
            MetadataJson = b.Metadata?.GetRawText(), ReservationId = b.ReservationId,
        };
        var ack = await grains.GetGrain<ISessionGrain>(b.SessionId).RecordModelRequest(record, ct);
        if (!ack.WasDuplicate)
        {
            var stored = record with { InputCostUsd = ack.InputCostUsd, OutputCostUsd = ack.OutputCostUsd, CostSource = ack.CostSource };
            return (new ModelRequestRow(b.SessionId, session.UserId, stored, session.ProjectId), false, ack.ReservationSettled);
        }
        var existing = await queries.FindAsync(record.Id, ct);
        if (existing is null || existing.SessionId != b.SessionId)
            throw new ConflictException("id", $"id {record.Id} is already used by another model request; choose a new id");
        return (existing, true, null);
    }

    /// <summary>One batch item's failure, mapped like a single request's; anything unexplained fails only that item (503).</summary>
    private static (int Status, string Detail, string? Field)? Rejection(Exception e) => e switch
    {
        JsonException j => (400, $"{JsonBody.FieldOf(j)}: has a missing, mistyped or unknown value", JsonBody.FieldOf(j)),
        OperationCanceledException => null, // the client went away: let the request fail as a whole
        _ => ProblemMapping.Map(e) ?? (503, $"could not be recorded ({e.GetType().Name}); retry with the same id", null),
    };
}
