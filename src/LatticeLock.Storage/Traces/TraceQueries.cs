using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>Reads of stored traces: a trace's owner and spans (with the model request each LLM span became), a session's traces.</summary>
public sealed class TraceQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The user who owns the trace and its session, or null when no span of it is stored.</summary>
    public async Task<(Guid UserId, Guid? SessionId)?> FindAsync(string traceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id, session_id FROM traces WHERE trace_id = $1");
        command.Parameters.AddWithValue(traceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1));
    }

    /// <summary>Owner and session of each of the traces that are stored.</summary>
    public async Task<Dictionary<string, (Guid UserId, Guid? SessionId)>> FindManyAsync(string[] traceIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, (Guid, Guid?)>();
        if (traceIds.Length == 0) return found;
        await using var command = dataSource.CreateCommand("SELECT trace_id, user_id, session_id FROM traces WHERE trace_id = ANY($1)");
        command.Parameters.AddWithValue(traceIds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = (reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2));
        return found;
    }

    /// <summary>Every span of the trace, in start order, with its model request's model, tokens and cost when it has one.</summary>
    public async Task<List<StoredSpan>> SpansAsync(string traceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.span_id, s.parent_span_id, s.name, s.kind, s.start_unix_nano, s.end_unix_nano, s.status_code,
                   s.status_message, s.scope_name, s.attributes::text, s.model_request_id,
                   m.model_id, m.provider, m.input_tokens, m.output_tokens, m.input_cost_usd, m.output_cost_usd, m.session_id
            FROM spans s
            LEFT JOIN model_request_ids i ON i.id = s.model_request_id
            LEFT JOIN model_requests m ON m.requested_at = i.requested_at AND m.id = i.id
            WHERE s.trace_id = $1
            ORDER BY s.start_unix_nano, s.span_id
            """);
        command.Parameters.AddWithValue(traceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var spans = new List<StoredSpan>();
        while (await reader.ReadAsync(cancellationToken))
        {
            StoredModelRequest? request = reader.IsDBNull(11) ? null : new StoredModelRequest(
                reader.GetGuid(10), reader.GetString(11), reader.GetString(12), reader.GetInt32(13), reader.GetInt32(14),
                reader.IsDBNull(15) ? null : reader.GetDecimal(15), reader.IsDBNull(16) ? null : reader.GetDecimal(16), reader.GetGuid(17));
            spans.Add(new StoredSpan(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetInt16(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt16(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetString(9), request));
        }
        return spans;
    }

    /// <summary>The session's traces, newest first: root span name, start, duration, span count, model requests, tokens and cost.</summary>
    public async Task<List<TraceSummaryRow>> ForSessionAsync(Guid sessionId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.trace_id,
                   (SELECT s.name FROM spans s WHERE s.trace_id = t.trace_id ORDER BY (s.parent_span_id IS NULL) DESC, s.start_unix_nano LIMIT 1),
                   min(s.start_unix_nano), max(s.end_unix_nano), count(s.span_id), count(m.id),
                   coalesce(sum(m.input_tokens), 0), coalesce(sum(m.output_tokens), 0),
                   coalesce(sum(coalesce(m.input_cost_usd, 0) + coalesce(m.output_cost_usd, 0)), 0)
            FROM traces t
            JOIN spans s ON s.trace_id = t.trace_id
            LEFT JOIN model_request_ids i ON i.id = s.model_request_id
            LEFT JOIN model_requests m ON m.requested_at = i.requested_at AND m.id = i.id
            WHERE t.session_id = $1
            GROUP BY t.trace_id
            ORDER BY min(s.start_unix_nano) DESC
            LIMIT $2
            """);
        command.Parameters.AddWithValue(sessionId);
        command.Parameters.AddWithValue(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var traces = new List<TraceSummaryRow>();
        while (await reader.ReadAsync(cancellationToken))
            traces.Add(new TraceSummaryRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                (int)reader.GetInt64(4), (int)reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetDecimal(8)));
        return traces;
    }
}

public sealed record StoredModelRequest(Guid Id, string ModelId, string Provider, int InputTokens, int OutputTokens, decimal? InputCostUsd, decimal? OutputCostUsd, Guid SessionId);

public sealed record StoredSpan(string SpanId, string? ParentSpanId, string Name, short Kind, long StartUnixNano, long EndUnixNano,
    short StatusCode, string? StatusMessage, string? ScopeName, string AttributesJson, StoredModelRequest? ModelRequest);

public sealed record TraceSummaryRow(string TraceId, string RootName, long StartUnixNano, long EndUnixNano, int Spans,
    int ModelRequests, long InputTokens, long OutputTokens, decimal CostUsd);
