using LatticeLock.Grains.Abstractions.Validation;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// Writes one batch of model requests in one transaction: binary COPY straight into <c>model_requests</c>, commit.
/// Repeated ids are rare (client retries), so the fast path does not look for them: when one is present the COPY
/// fails with a unique violation, the transaction rolls back, and the batch is written again after looking up which
/// ids are already stored. Owns one connection, reopened after a failure.
/// </summary>
public sealed class ModelRequestBatchWriter(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public const string Columns =
        "id, session_id, chat_id, user_id, trace_id, parent_span_id, span_id, model_id, model_name, provider, task_type, priority, " +
        "requested_at, responded_at, latency_ms, input_tokens, output_tokens, input_cost_usd, output_cost_usd, status, error_code, " +
        "error_message, function_calls, function_results, context_window_used, temperature, max_tokens, was_fallback, " +
        "original_model_id, selection_score, selection_reason, raw_request, raw_response, metadata";

    private const int MaxAttempts = 3;

    private NpgsqlConnection? _connection;

    /// <summary>Commits <paramref name="rows"/> (ids distinct) and returns the ids that were newly inserted.</summary>
    public async Task<HashSet<Guid>> WriteAsync(IReadOnlyList<ModelRequestRow> rows, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryWriteAsync(rows, lookForStoredIds: attempt > 1, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < MaxAttempts)
            {
                // An id is stored already (or was committed by a concurrent batch meanwhile): the next attempt skips it.
            }
            catch
            {
                await ResetAsync();
                throw;
            }
        }
    }

    private async Task<HashSet<Guid>> TryWriteAsync(IReadOnlyList<ModelRequestRow> rows, bool lookForStoredIds, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = new HashSet<Guid>();
        if (lookForStoredIds)
        {
            var ids = new Guid[rows.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = rows[i].Request.Id;
            await using var lookup = new NpgsqlCommand("SELECT id FROM model_requests WHERE id = ANY($1)", connection, transaction);
            lookup.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) stored.Add(reader.GetGuid(0));
        }
        var inserted = new HashSet<Guid>(rows.Count);
        if (stored.Count < rows.Count)
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                $"COPY model_requests ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                if (stored.Contains(row.Request.Id)) continue;
                await WriteRowAsync(importer, row, cancellationToken);
                inserted.Add(row.Request.Id);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open }) return _connection;
        await ResetAsync();
        _connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return _connection;
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
        await w.WriteAsync(WireNames.Of(r.Status), NpgsqlDbType.Varchar, ct);
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
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Varchar, ct);

    private static Task WriteJsonAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Jsonb, ct);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter w, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? w.WriteAsync(v, type, ct) : w.WriteNullAsync(ct);

    public async ValueTask DisposeAsync() => await ResetAsync();
}
