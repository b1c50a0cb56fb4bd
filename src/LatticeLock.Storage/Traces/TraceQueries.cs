using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Reads of stored traces, always within one owner (a trace id is scoped to the user whose key sent it): the trace's
/// session, the skeleton of its spans, the details of one page of spans, a session's traces.
/// </summary>
public sealed class TraceQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The trace's session (null inside when it has none), or null when the owner has no span of it stored.</summary>
    public async Task<(Guid? SessionId, bool Found)> FindAsync(Guid userId, string traceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT session_id FROM traces WHERE user_id = $1 AND trace_id = $2");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(traceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return (null, false);
        return (reader.IsDBNull(0) ? null : reader.GetGuid(0), true);
    }

    /// <summary>
    /// Who has a trace with this id (the user whose key sent it, and the workspace it lives in), among the traces
    /// <paramref name="scope"/> may read (<see cref="WorkspaceWall"/>); at most 100.
    /// </summary>
    public Task<List<(Guid UserId, Guid WorkspaceId)>> OwnersAsync(string traceId, WorkspaceReadScope scope, CancellationToken cancellationToken) =>
        WorkspaceWall.ReadAsync(dataSource, scope, async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT user_id, workspace_id FROM traces WHERE trace_id = $1 ORDER BY user_id LIMIT 100", connection);
            command.Parameters.AddWithValue(traceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var owners = new List<(Guid, Guid)>();
            while (await reader.ReadAsync(cancellationToken)) owners.Add((reader.GetGuid(0), reader.GetGuid(1)));
            return owners;
        }, cancellationToken);

    /// <summary>The session (null when none) of each of the user's traces that are stored, by trace id.</summary>
    public async Task<Dictionary<string, Guid?>> FindManyAsync(Guid userId, string[] traceIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Guid?>();
        if (traceIds.Length == 0) return found;
        await using var command = dataSource.CreateCommand("SELECT trace_id, session_id FROM traces WHERE user_id = $1 AND trace_id = ANY($2)");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(traceIds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetGuid(1);
        return found;
    }

    /// <summary>
    /// Ids, parents, times and model requests (tokens and cost) of every span of the trace: what its layout needs,
    /// streamed into arrays (no row objects, no attributes).
    /// </summary>
    public async Task<TraceSkeleton> SkeletonAsync(Guid userId, string traceId, CancellationToken cancellationToken)
    {
        var skeleton = new TraceSkeleton(64);
        await using (var command = dataSource.CreateCommand("""
            SELECT span_id, parent_span_id, start_unix_nano, end_unix_nano, model_request_id
            FROM spans WHERE user_id = $1 AND trace_id = $2
            """))
        {
            command.Parameters.AddWithValue(userId);
            command.Parameters.AddWithValue(traceId);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                skeleton.Add(TraceLayout.Parse(reader.GetString(0)), reader.IsDBNull(1) ? 0 : TraceLayout.Parse(reader.GetString(1)),
                    reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetGuid(4));
        }
        skeleton.Trim();

        var requests = new Dictionary<Guid, List<int>>();
        for (var i = 0; i < skeleton.Count; i++)
            if (skeleton.ModelRequestIds[i] is { } id)
                (requests.TryGetValue(id, out var spans) ? spans : requests[id] = []).Add(i);
        foreach (var chunk in requests.Keys.Chunk(10_000))
        {
            await using var command = dataSource.CreateCommand("""
                SELECT m.id, m.input_tokens, m.output_tokens, coalesce(m.input_cost_usd, 0) + coalesce(m.output_cost_usd, 0)
                FROM model_request_ids i JOIN model_requests m ON m.requested_at = i.requested_at AND m.id = i.id
                WHERE i.id = ANY($1)
                """);
            command.Parameters.AddWithValue(chunk);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                foreach (var span in requests[reader.GetGuid(0)])
                    skeleton.SetModelRequest(span, reader.GetInt32(1), reader.GetInt32(2), reader.GetDecimal(3));
        }
        return skeleton;
    }

    /// <summary>Name, kind, status and model request of the given spans (span id and start, as the skeleton has them).</summary>
    public async Task<Dictionary<(string SpanId, long Start), StoredSpan>> SpansAsync(Guid userId, string traceId, string[] spanIds, long[] starts,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.span_id, s.start_unix_nano, s.end_unix_nano, s.name, s.kind, s.status_code, s.status_message, s.model_request_id,
                   m.model_id, m.provider, m.input_tokens, m.output_tokens, m.input_cost_usd, m.output_cost_usd, m.session_id
            FROM unnest($3::text[], $4::bigint[]) AS k(span_id, start_unix_nano)
            JOIN spans s ON s.user_id = $1 AND s.trace_id = $2 AND s.span_id = k.span_id AND s.start_unix_nano = k.start_unix_nano
            LEFT JOIN model_request_ids i ON i.id = s.model_request_id
            LEFT JOIN model_requests m ON m.requested_at = i.requested_at AND m.id = i.id
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(traceId);
        command.Parameters.AddWithValue(spanIds);
        command.Parameters.AddWithValue(starts);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var spans = new Dictionary<(string, long), StoredSpan>();
        while (await reader.ReadAsync(cancellationToken))
        {
            StoredModelRequest? request = reader.IsDBNull(8) ? null : new StoredModelRequest(
                reader.GetGuid(7), reader.GetString(8), reader.GetString(9), reader.GetInt32(10), reader.GetInt32(11),
                reader.IsDBNull(12) ? null : reader.GetDecimal(12), reader.IsDBNull(13) ? null : reader.GetDecimal(13), reader.GetGuid(14));
            spans[(reader.GetString(0), reader.GetInt64(1))] = new StoredSpan(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.GetString(3), reader.GetInt16(4), reader.GetInt16(5), reader.IsDBNull(6) ? null : reader.GetString(6), request);
        }
        return spans;
    }

    /// <summary>The session's traces, newest first: root span name, start, duration, span count, model requests, tokens and cost.</summary>
    public async Task<List<TraceSummaryRow>> ForSessionAsync(Guid sessionId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.trace_id,
                   (SELECT s.name FROM spans s WHERE s.user_id = t.user_id AND s.trace_id = t.trace_id
                    ORDER BY (s.parent_span_id IS NULL) DESC, s.start_unix_nano LIMIT 1),
                   min(s.start_unix_nano), max(s.end_unix_nano), count(s.span_id), count(m.id),
                   coalesce(sum(m.input_tokens), 0), coalesce(sum(m.output_tokens), 0),
                   coalesce(sum(coalesce(m.input_cost_usd, 0) + coalesce(m.output_cost_usd, 0)), 0)
            FROM traces t
            JOIN spans s ON s.user_id = t.user_id AND s.trace_id = t.trace_id
            LEFT JOIN model_request_ids i ON i.id = s.model_request_id
            LEFT JOIN model_requests m ON m.requested_at = i.requested_at AND m.id = i.id
            WHERE t.session_id = $1
            GROUP BY t.user_id, t.trace_id
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

public sealed record StoredSpan(string SpanId, long StartUnixNano, long EndUnixNano, string Name, short Kind, short StatusCode, string? StatusMessage,
    StoredModelRequest? ModelRequest);

public sealed record TraceSummaryRow(string TraceId, string RootName, long StartUnixNano, long EndUnixNano, int Spans,
    int ModelRequests, long InputTokens, long OutputTokens, decimal CostUsd);
