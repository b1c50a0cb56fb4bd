using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Durable span ingest with group commit: every export request waits until its spans are committed, and the requests
/// that arrive while a commit runs share the next one (leader/follower: the caller that finds no commit in flight
/// commits everything pending, then whatever queued meanwhile). Idempotent by (trace_id, span_id): an exporter's
/// retry conflicts on the primary key and stores nothing. A trace belongs to the user whose key sent its first span;
/// spans of it sent with another user's key are not stored.
/// </summary>
public sealed class SpanLog(NpgsqlDataSource dataSource)
{
    private readonly Lock _gate = new();
    private readonly List<(SpanBatch Batch, TaskCompletionSource<SpanBatchResult> Done)> _pending = [];
    private bool _committing;

    public async Task<SpanBatchResult> AppendAsync(SpanBatch batch, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<SpanBatchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _pending.Add((batch, done));
            lead = !_committing;
            if (lead) _committing = true;
        }
        if (lead) await CommitPendingAsync();
        return await done.Task.WaitAsync(cancellationToken);
    }

    private async Task CommitPendingAsync()
    {
        while (true)
        {
            List<(SpanBatch Batch, TaskCompletionSource<SpanBatchResult> Done)> group;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _committing = false;
                    return;
                }
                group = [.. _pending];
                _pending.Clear();
            }
            try
            {
                var results = await CommitAsync(group.Select(g => g.Batch).ToList());
                for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (var (_, done) in group) done.TrySetException(e);
            }
        }
    }

    /// <summary>One transaction for the whole group: claim each trace for its user, then insert the spans of owned traces.</summary>
    private async Task<List<SpanBatchResult>> CommitAsync(List<SpanBatch> batches)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);

        // Traces: first writer owns it; a session named later fills an empty session_id.
        var traceIds = new List<string>();
        var owners = new List<Guid>();
        var sessions = new List<Guid?>();
        foreach (var batch in batches)
            foreach (var traceId in batch.Spans.Select(s => s.TraceId).Distinct())
            {
                traceIds.Add(traceId);
                owners.Add(batch.UserId);
                sessions.Add(batch.TraceSessions.TryGetValue(traceId, out var session) ? session : null);
            }
        await using (var claim = new NpgsqlCommand("""
            INSERT INTO traces (trace_id, user_id, session_id)
            SELECT DISTINCT ON (t.trace_id) t.trace_id, t.user_id, t.session_id
            FROM unnest(@trace_ids, @user_ids, @session_ids) AS t(trace_id, user_id, session_id)
            ORDER BY t.trace_id, t.session_id NULLS LAST
            ON CONFLICT (trace_id) DO UPDATE SET session_id = EXCLUDED.session_id
                WHERE traces.session_id IS NULL AND EXCLUDED.session_id IS NOT NULL AND traces.user_id = EXCLUDED.user_id
            """, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<string[]>("trace_ids", traceIds.ToArray()));
            claim.Parameters.Add(new NpgsqlParameter<Guid[]>("user_ids", owners.ToArray()));
            claim.Parameters.Add(new NpgsqlParameter("session_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = sessions.Select(s => s.HasValue ? (object)s.Value : DBNull.Value).ToArray() });
            await claim.ExecuteNonQueryAsync(CancellationToken.None);
        }
        var owner = new Dictionary<string, Guid>();
        await using (var read = new NpgsqlCommand("SELECT trace_id, user_id FROM traces WHERE trace_id = ANY(@trace_ids)", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<string[]>("trace_ids", traceIds.Distinct().ToArray()));
            await using var reader = await read.ExecuteReaderAsync(CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None)) owner[reader.GetString(0)] = reader.GetGuid(1);
        }

        var results = new List<SpanBatchResult>();
        var rows = new List<SpanRow>();
        var foreignByBatch = new List<List<string>>();
        foreach (var batch in batches)
        {
            var foreign = batch.Spans.Select(s => s.TraceId).Distinct().Where(t => owner[t] != batch.UserId).ToList();
            foreignByBatch.Add(foreign);
            rows.AddRange(batch.Spans.Where(s => owner[s.TraceId] == batch.UserId));
        }
        var inserted = await InsertAsync(connection, transaction, rows);
        await transaction.CommitAsync(CancellationToken.None);

        for (var i = 0; i < batches.Count; i++)
        {
            var own = batches[i].Spans.Where(s => owner[s.TraceId] == batches[i].UserId).ToList();
            var stored = own.Count(s => inserted.Contains((s.TraceId, s.SpanId)));
            results.Add(new SpanBatchResult(stored, own.Count - stored, foreignByBatch[i]));
        }
        return results;
    }

    private static async Task<HashSet<(string, string)>> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<SpanRow> rows)
    {
        var inserted = new HashSet<(string, string)>();
        if (rows.Count == 0) return inserted;
        await using var insert = new NpgsqlCommand("""
            INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                               status_code, status_message, scope_name, attributes, resource_attributes, events, model_request_id)
            SELECT trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                   status_code, status_message, scope_name, attributes::jsonb, resource_attributes::jsonb, events::jsonb, model_request_id
            FROM unnest(@trace_id, @span_id, @parent_span_id, @name, @kind, @start_unix_nano, @end_unix_nano, @started_at,
                        @status_code, @status_message, @scope_name, @attributes, @resource_attributes, @events, @model_request_id)
                 AS s(trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                      status_code, status_message, scope_name, attributes, resource_attributes, events, model_request_id)
            ON CONFLICT DO NOTHING
            RETURNING trace_id, span_id
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("trace_id", rows.Select(r => r.TraceId).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("span_id", rows.Select(r => r.SpanId).ToArray()));
        insert.Parameters.Add(Nullable("parent_span_id", NpgsqlDbType.Text, rows.Select(r => (object?)r.ParentSpanId)));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("name", rows.Select(r => r.Name).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("kind", rows.Select(r => r.Kind).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("start_unix_nano", rows.Select(r => r.StartUnixNano).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("end_unix_nano", rows.Select(r => r.EndUnixNano).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("started_at", rows.Select(r => r.StartedAt.UtcDateTime).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<short[]>("status_code", rows.Select(r => r.StatusCode).ToArray()));
        insert.Parameters.Add(Nullable("status_message", NpgsqlDbType.Text, rows.Select(r => (object?)r.StatusMessage)));
        insert.Parameters.Add(Nullable("scope_name", NpgsqlDbType.Text, rows.Select(r => (object?)r.ScopeName)));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("attributes", rows.Select(r => r.AttributesJson).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("resource_attributes", rows.Select(r => r.ResourceAttributesJson).ToArray()));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("events", rows.Select(r => r.EventsJson).ToArray()));
        insert.Parameters.Add(Nullable("model_request_id", NpgsqlDbType.Uuid, rows.Select(r => (object?)r.ModelRequestId)));
        await using var reader = await insert.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None)) inserted.Add((reader.GetString(0), reader.GetString(1)));
        return inserted;
    }

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, IEnumerable<object?> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.Select(v => v ?? DBNull.Value).ToArray() };
}
