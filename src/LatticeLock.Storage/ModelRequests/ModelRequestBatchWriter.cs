using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// Writes one batch of model requests in one transaction: binary COPY into a per-connection temp table, then
/// <c>INSERT … ON CONFLICT (id) DO NOTHING RETURNING id</c> so rows whose id is already stored are skipped.
/// Owns its connection (temp tables live as long as the connection), reopening it after a failure.
/// </summary>
public sealed class ModelRequestBatchWriter(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public const string Columns =
        "id, session_id, chat_id, user_id, trace_id, parent_span_id, span_id, model_id, model_name, provider, task_type, priority, " +
        "requested_at, responded_at, latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd, status, error_code, " +
        "error_message, function_calls, function_results, context_window_used, temperature, max_tokens, was_fallback, " +
        "original_model_id, selection_score, selection_reason, raw_request, raw_response, metadata";

    private const string CreateStage = $"""
        CREATE TEMP TABLE IF NOT EXISTS model_requests_incoming (
            id uuid, session_id uuid, chat_id uuid, user_id uuid, trace_id text, parent_span_id text, span_id text,
            model_id text, model_name text, provider text, task_type text, priority text, requested_at timestamptz,
            responded_at timestamptz, latency_ms integer, input_tokens integer, output_tokens integer,
            input_cost_usd numeric, output_cost_usd numeric, status text, error_code text, error_message text,
            function_calls jsonb, function_results jsonb, context_window_used integer, temperature numeric,
            max_tokens integer, was_fallback boolean, original_model_id text, selection_score numeric,
            selection_reason text, raw_request jsonb, raw_response jsonb, metadata jsonb
        ) ON COMMIT DELETE ROWS
        """;

    private const string MoveStaged = $"""
        INSERT INTO model_requests ({Columns})
        SELECT {Columns} FROM model_requests_incoming
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """;

    private NpgsqlConnection? _connection;

    /// <summary>Commits <paramref name="rows"/> (ids distinct) and returns the ids that were newly inserted.</summary>
    public async Task<HashSet<Guid>> WriteAsync(IReadOnlyList<ModelRequestRow> rows, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var importer = await connection.BeginBinaryImportAsync(
                $"COPY model_requests_incoming ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in rows) await WriteRowAsync(importer, row, cancellationToken);
                await importer.CompleteAsync(cancellationToken);
            }
            var inserted = new HashSet<Guid>(rows.Count);
            await using (var move = new NpgsqlCommand(MoveStaged, connection, transaction))
            await using (var reader = await move.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) inserted.Add(reader.GetGuid(0));
            }
            await transaction.CommitAsync(cancellationToken);
            return inserted;
        }
        catch
        {
            await ResetAsync();
            throw;
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open }) return _connection;
        await ResetAsync();
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(CreateStage, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        _connection = connection;
        return connection;
    }

    private async Task ResetAsync()
    {
        if (_connection is null) return;
        var connection = _connection;
        _connection = null;
        try { await connection.DisposeAsync(); } catch (NpgsqlException) { /* already broken */ }
    }

    /// <summary>Writes one row in the column order of <see cref="Columns"/>; public so the benchmark COPYs byte-identical rows.</summary>
    public static async Task WriteRowAsync(NpgsqlBinaryImporter w, ModelRequestRow row, CancellationToken ct)
    {
        var r = row.Request;
        await w.StartRowAsync(ct);
        await w.WriteAsync(r.Id, NpgsqlDbType.Uuid, ct);
        await w.WriteAsync(row.SessionId, NpgsqlDbType.Uuid, ct);
        await WriteNullableAsync(w, r.ChatId, NpgsqlDbType.Uuid, ct);
        await w.WriteAsync(row.UserId, NpgsqlDbType.Uuid, ct);
        await WriteTextAsync(w, r.TraceId, ct);
        await WriteTextAsync(w, r.ParentSpanId, ct);
        await WriteTextAsync(w, r.SpanId, ct);
        await WriteTextAsync(w, r.ModelId, ct);
        await WriteTextAsync(w, r.ModelName, ct);
        await WriteTextAsync(w, r.Provider, ct);
        await WriteTextAsync(w, r.TaskType, ct);
        await WriteTextAsync(w, r.Priority, ct);
        await w.WriteAsync(r.RequestedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        await WriteNullableAsync(w, r.RespondedAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
        await WriteNullableAsync(w, r.LatencyMs, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(r.InputTokens, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(r.OutputTokens, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(r.InputCostUsd, NpgsqlDbType.Numeric, ct);
        await w.WriteAsync(r.OutputCostUsd, NpgsqlDbType.Numeric, ct);
        await w.WriteAsync(WireNames.Of(r.Status), NpgsqlDbType.Text, ct);
        await WriteTextAsync(w, r.ErrorCode, ct);
        await WriteTextAsync(w, r.ErrorMessage, ct);
        await WriteJsonAsync(w, r.FunctionCallsJson, ct);
        await WriteJsonAsync(w, r.FunctionResultsJson, ct);
        await WriteNullableAsync(w, r.ContextWindowUsed, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(w, r.Temperature, NpgsqlDbType.Numeric, ct);
        await WriteNullableAsync(w, r.MaxTokens, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(r.WasFallback, NpgsqlDbType.Boolean, ct);
        await WriteTextAsync(w, r.OriginalModelId, ct);
        await WriteNullableAsync(w, r.SelectionScore, NpgsqlDbType.Numeric, ct);
        await WriteTextAsync(w, r.SelectionReason, ct);
        await WriteJsonAsync(w, r.RawRequestJson, ct);
        await WriteJsonAsync(w, r.RawResponseJson, ct);
        await WriteJsonAsync(w, r.MetadataJson ?? "{}", ct);
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Text, ct);

    private static Task WriteJsonAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Jsonb, ct);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter w, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? w.WriteAsync(v, type, ct) : w.WriteNullAsync(ct);

    public async ValueTask DisposeAsync() => await ResetAsync();
}
