using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>Reads of stored model requests: one by id (a repeated POST answers with what was stored), the latest ones.</summary>
public sealed class ModelRequestQueries(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, session_id, user_id, chat_id, trace_id, parent_span_id, span_id, model_id, model_name, provider, task_type, priority, " +
        "requested_at, responded_at, latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd, status, error_code, " +
        "error_message, function_calls::text, function_results::text, context_window_used, temperature, max_tokens, was_fallback, " +
        "original_model_id, selection_score, selection_reason, metadata::text, cost_source, project_id, reservation_id";

    public async Task<ModelRequestRow?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM model_requests WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The newest <paramref name="count"/> requests, newest first, optionally of one session.</summary>
    public async Task<List<ModelRequestRow>> LatestAsync(int count, Guid? sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM model_requests WHERE $2::uuid IS NULL OR session_id = $2 ORDER BY requested_at DESC, id LIMIT $1");
        command.Parameters.AddWithValue(count);
        command.Parameters.AddNullable(sessionId, NpgsqlDbType.Uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModelRequestRow>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
        return rows;
    }

    private static ModelRequestRow Read(NpgsqlDataReader r)
    {
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        int? I(int i) => r.IsDBNull(i) ? null : r.GetInt32(i);
        decimal? D(int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);
        var metadata = S(31);
        return new ModelRequestRow(r.GetGuid(1), r.GetGuid(2), new ModelRequestRecord
        {
            Id = r.GetGuid(0),
            ChatId = r.IsDBNull(3) ? null : r.GetGuid(3),
            TraceId = S(4), ParentSpanId = S(5), SpanId = S(6),
            ModelId = r.GetString(7), ModelName = S(8), Provider = r.GetString(9), TaskType = S(10), Priority = S(11),
            RequestedAt = r.GetFieldValue<DateTimeOffset>(12),
            RespondedAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
            LatencyMs = I(14), InputTokens = r.GetInt32(15), OutputTokens = r.GetInt32(16),
            InputCostUsd = D(17), OutputCostUsd = D(18),
            Status = WireNames.Parse<ModelRequestStatus>(r.GetString(19)),
            ErrorCode = S(20), ErrorMessage = S(21), FunctionCallsJson = S(22), FunctionResultsJson = S(23),
            ContextWindowUsed = I(24), Temperature = D(25), MaxTokens = I(26), WasFallback = r.GetBoolean(27),
            OriginalModelId = S(28), SelectionScore = D(29), SelectionReason = S(30),
            MetadataJson = metadata == "{}" ? null : metadata,
            CostSource = WireNames.Parse<CostSource>(r.GetString(32)),
            ReservationId = r.IsDBNull(34) ? null : r.GetGuid(34),
        }, r.IsDBNull(33) ? null : r.GetGuid(33));
    }
}
