using LatticeLock.Grains.Abstractions.Sessions;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// The one declaration of a stored model request: every column of <c>model_requests</c> that LatticeLock writes, in
/// COPY order. The batch writer, the readers, the payload hash and (by visiting each column's kind) the gateway's JSON
/// all go through this list; a new field is one line here (plus its migration).
/// </summary>
public static class ModelRequestColumns
{
    public static readonly IReadOnlyList<ModelRequestColumn> All =
    [
        new ValueColumn<Guid>("id", NpgsqlDbType.Uuid, r => r.Request.Id, (r, v) => With(r, q => q with { Id = v })),
        new ValueColumn<Guid>("session_id", NpgsqlDbType.Uuid, r => r.SessionId, (r, v) => r with { SessionId = v }),
        new NullableColumn<Guid>("chat_id", NpgsqlDbType.Uuid, r => r.Request.ChatId, (r, v) => With(r, q => q with { ChatId = v })),
        new ValueColumn<Guid>("user_id", NpgsqlDbType.Uuid, r => r.UserId, (r, v) => r with { UserId = v }) { ServerSet = true },
        new TextColumn("trace_id", r => r.Request.TraceId, (r, v) => With(r, q => q with { TraceId = v })),
        new TextColumn("parent_span_id", r => r.Request.ParentSpanId, (r, v) => With(r, q => q with { ParentSpanId = v })),
        new TextColumn("span_id", r => r.Request.SpanId, (r, v) => With(r, q => q with { SpanId = v })),
        new TextColumn("model_id", r => r.Request.ModelId, (r, v) => With(r, q => q with { ModelId = v! })),
        new TextColumn("model_name", r => r.Request.ModelName, (r, v) => With(r, q => q with { ModelName = v })),
        new TextColumn("provider", r => r.Request.Provider, (r, v) => With(r, q => q with { Provider = v! })),
        new TextColumn("task_type", r => r.Request.TaskType, (r, v) => With(r, q => q with { TaskType = v })),
        new TextColumn("priority", r => r.Request.Priority, (r, v) => With(r, q => q with { Priority = v })),
        new ValueColumn<DateTimeOffset>("requested_at", NpgsqlDbType.TimestampTz, r => r.Request.RequestedAt.ToUniversalTime(),
            (r, v) => With(r, q => q with { RequestedAt = v })),
        new NullableColumn<DateTimeOffset>("responded_at", NpgsqlDbType.TimestampTz, r => r.Request.RespondedAt?.ToUniversalTime(),
            (r, v) => With(r, q => q with { RespondedAt = v })),
        new NullableColumn<int>("latency_ms", NpgsqlDbType.Integer, r => r.Request.LatencyMs, (r, v) => With(r, q => q with { LatencyMs = v })),
        new ValueColumn<int>("input_tokens", NpgsqlDbType.Integer, r => r.Request.InputTokens, (r, v) => With(r, q => q with { InputTokens = v })),
        new ValueColumn<int>("output_tokens", NpgsqlDbType.Integer, r => r.Request.OutputTokens, (r, v) => With(r, q => q with { OutputTokens = v })),
        new NullableColumn<decimal>("input_cost_usd", NpgsqlDbType.Numeric, r => r.Request.InputCostUsd, (r, v) => With(r, q => q with { InputCostUsd = v })),
        new NullableColumn<decimal>("output_cost_usd", NpgsqlDbType.Numeric, r => r.Request.OutputCostUsd, (r, v) => With(r, q => q with { OutputCostUsd = v })),
        new EnumColumn<ModelRequestStatus>("status", r => r.Request.Status, (r, v) => With(r, q => q with { Status = v })),
        new TextColumn("error_code", r => r.Request.ErrorCode, (r, v) => With(r, q => q with { ErrorCode = v })),
        new TextColumn("error_message", r => r.Request.ErrorMessage, (r, v) => With(r, q => q with { ErrorMessage = v })),
        new JsonTextColumn("function_calls", r => r.Request.FunctionCallsJson, (r, v) => With(r, q => q with { FunctionCallsJson = v })),
        new JsonTextColumn("function_results", r => r.Request.FunctionResultsJson, (r, v) => With(r, q => q with { FunctionResultsJson = v })),
        new NullableColumn<int>("context_window_used", NpgsqlDbType.Integer, r => r.Request.ContextWindowUsed, (r, v) => With(r, q => q with { ContextWindowUsed = v })),
        new NullableColumn<decimal>("temperature", NpgsqlDbType.Numeric, r => r.Request.Temperature, (r, v) => With(r, q => q with { Temperature = v })),
        new NullableColumn<int>("max_tokens", NpgsqlDbType.Integer, r => r.Request.MaxTokens, (r, v) => With(r, q => q with { MaxTokens = v })),
        new ValueColumn<bool>("was_fallback", NpgsqlDbType.Boolean, r => r.Request.WasFallback, (r, v) => With(r, q => q with { WasFallback = v })),
        new TextColumn("original_model_id", r => r.Request.OriginalModelId, (r, v) => With(r, q => q with { OriginalModelId = v })),
        new NullableColumn<decimal>("selection_score", NpgsqlDbType.Numeric, r => r.Request.SelectionScore, (r, v) => With(r, q => q with { SelectionScore = v })),
        new TextColumn("selection_reason", r => r.Request.SelectionReason, (r, v) => With(r, q => q with { SelectionReason = v })),
        new JsonTextColumn("raw_request", r => r.Request.RawRequestJson, (r, v) => With(r, q => q with { RawRequestJson = v })) { WriteOnly = true },
        new JsonTextColumn("raw_response", r => r.Request.RawResponseJson, (r, v) => With(r, q => q with { RawResponseJson = v })) { WriteOnly = true },
        new JsonTextColumn("metadata", r => r.Request.MetadataJson, (r, v) => With(r, q => q with { MetadataJson = v }), storedWhenNull: "{}"),
        new EnumColumn<CostSource>("cost_source", r => r.Request.CostSource, (r, v) => With(r, q => q with { CostSource = v })) { ServerSet = true },
        new NullableColumn<Guid>("project_id", NpgsqlDbType.Uuid, r => r.ProjectId, (r, v) => r with { ProjectId = v }) { ServerSet = true },
        new NullableColumn<Guid>("reservation_id", NpgsqlDbType.Uuid, r => r.Request.ReservationId, (r, v) => With(r, q => q with { ReservationId = v })),
        new BytesColumn("payload_hash", r => r.PayloadHash, (r, v) => r with { PayloadHash = v }) { ServerSet = true, WriteOnly = true },
        // Token classes (migration 21): parts of input_tokens and output_tokens, the tier, and the price row used.
        new NullableColumn<int>("cached_input_tokens", NpgsqlDbType.Integer, r => r.Request.CachedInputTokens,
            (r, v) => With(r, q => q with { CachedInputTokens = v })) { HashedWhenNull = false },
        new NullableColumn<int>("cache_write_input_tokens", NpgsqlDbType.Integer, r => r.Request.CacheWriteInputTokens,
            (r, v) => With(r, q => q with { CacheWriteInputTokens = v })) { HashedWhenNull = false },
        new NullableColumn<int>("reasoning_output_tokens", NpgsqlDbType.Integer, r => r.Request.ReasoningOutputTokens,
            (r, v) => With(r, q => q with { ReasoningOutputTokens = v })) { HashedWhenNull = false },
        new NullableEnumColumn<ServiceTier>("service_tier", r => r.Request.ServiceTier, (r, v) => With(r, q => q with { ServiceTier = v })) { HashedWhenNull = false },
        new NullableColumn<long>("price_id", NpgsqlDbType.Bigint, r => r.Request.PriceId, (r, v) => With(r, q => q with { PriceId = v })) { ServerSet = true },
        new NullableColumn<int>("cache_write_1h_input_tokens", NpgsqlDbType.Integer, r => r.Request.CacheWrite1hInputTokens,
            (r, v) => With(r, q => q with { CacheWrite1hInputTokens = v })) { HashedWhenNull = false },
        // The session's workspace (migration 32), for analytics by workspace and row-level security.
        new NullableColumn<Guid>("workspace_id", NpgsqlDbType.Uuid, r => r.WorkspaceId, (r, v) => r with { WorkspaceId = v }) { ServerSet = true },
    ];

    /// <summary>The columns read back, in declared order: what <see cref="SelectList"/> selects and <see cref="Read"/> reads.</summary>
    public static readonly IReadOnlyList<ModelRequestColumn> Readable = [.. All.Where(c => !c.WriteOnly)];

    /// <summary>The COPY column list.</summary>
    public static readonly string CopyList = string.Join(", ", All.Select(c => c.Name));

    /// <summary>The SELECT list for <see cref="Read"/>.</summary>
    public static readonly string SelectList = string.Join(", ", Readable.Select(c => c.Name));

    /// <summary>What a row is built on before its columns are read in: every field at its empty value.</summary>
    public static readonly ModelRequestRow Empty = new(Guid.Empty, Guid.Empty,
        new ModelRequestRecord { Id = Guid.Empty, ModelId = "", Provider = "", RequestedAt = default });

    public static void WriteRow(Npgsql.NpgsqlBinaryImporter importer, ModelRequestRow row)
    {
        importer.StartRow();
        foreach (var column in All) column.Write(importer, row);
    }

    /// <summary>Reads the current row of a query that selected <see cref="SelectList"/>.</summary>
    public static ModelRequestRow Read(Npgsql.NpgsqlDataReader reader)
    {
        var row = Empty;
        for (var i = 0; i < Readable.Count; i++) row = Readable[i].Read(reader, i, row);
        return row;
    }

    private static ModelRequestRow With(ModelRequestRow row, Func<ModelRequestRecord, ModelRequestRecord> change) =>
        row with { Request = change(row.Request) };
}
