using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// Durable span ingest with group commit: every export request waits until its spans are committed, and the requests
/// that arrive while a commit runs share the next one (leader/follower: the caller that finds no commit in flight
/// commits everything pending, then whatever queued meanwhile). Idempotent by (trace_id, span_id): an exporter's
/// retry conflicts on the primary key and stores nothing (binary COPY first; a group holding a retried span falls back
/// to INSERT … ON CONFLICT DO NOTHING). A trace belongs to the user whose key sent its first span;
/// spans of it sent with another user's key are not stored. At most <see cref="ConcurrentCommits"/> commits run at
/// once, each on its own connection.
/// </summary>
public sealed class SpanLog(NpgsqlDataSource dataSource)
{
    public const int ConcurrentCommits = 2;
    private readonly Lock _gate = new();
    private readonly List<(SpanBatch Batch, TaskCompletionSource<SpanBatchResult> Done)> _pending = [];
    private int _committers;

    public async Task<SpanBatchResult> AppendAsync(SpanBatch batch, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<SpanBatchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            _pending.Add((batch, done));
            lead = _committers < ConcurrentCommits;
            if (lead) _committers++;
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
                    _committers--;
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

    /// <summary>
    /// One transaction for the whole group. First, in one round trip, each new trace is claimed for the user who sent
    /// it and every trace's owner is read; spans of traces their sender does not own are dropped. Then the rest go in
    /// with one binary COPY, the fastest way in. A retried span makes the COPY fail on the primary key: the transaction
    /// goes back to before the COPY (a savepoint) and inserts the same rows with ON CONFLICT DO NOTHING instead, so
    /// retries cost the slow path and fresh spans never do.
    /// </summary>
    private async Task<List<SpanBatchResult>> CommitAsync(List<SpanBatch> batches)
    {
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

        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        var owner = await ClaimAsync(connection, transaction, traceIds, owners, sessions);

        var own = batches.SelectMany(b => b.Spans.Where(s => owner[s.TraceId] == b.UserId)).ToList();
        HashSet<(string, string)>? inserted = null; // null: every row of `own` was inserted
        if (own.Count > 0)
        {
            await transaction.SaveAsync("spans_copy", CancellationToken.None);
            try
            {
                await CopyAsync(connection, own);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync("spans_copy", CancellationToken.None);
                inserted = await InsertNewAsync(connection, transaction, own);
            }
        }
        // Only repeats: the commit would not wait for a synchronous standby that may not hold them yet (see SynchronousBarrier).
        if (inserted is { Count: 0 }) await SynchronousBarrier.MarkAsync(connection, transaction, CancellationToken.None);
        await ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, CancellationToken.None);

        var results = new List<SpanBatchResult>(batches.Count);
        foreach (var batch in batches)
        {
            var foreign = batch.Spans.Select(s => s.TraceId).Distinct().Where(t => owner[t] != batch.UserId).ToList();
            var mine = batch.Spans.Where(s => owner[s.TraceId] == batch.UserId).ToList();
            var stored = inserted is null ? mine.Count : mine.Count(s => inserted.Contains((s.TraceId, s.SpanId)));
            results.Add(new SpanBatchResult(stored, mine.Count - stored, foreign));
        }
        return results;
    }

    /// <summary>Claims new traces (first sender owns; a session named later fills an empty one) and returns every trace's owner.</summary>
    private static async Task<Dictionary<string, Guid>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<string> traceIds, List<Guid> owners, List<Guid?> sessions)
    {
        await using var commands = new NpgsqlBatch(connection, transaction);
        var claim = new NpgsqlBatchCommand("""
            INSERT INTO traces (trace_id, user_id, session_id)
            SELECT DISTINCT ON (t.trace_id) t.trace_id, t.user_id, t.session_id
            FROM unnest($1::text[], $2::uuid[], $3::uuid[]) AS t(trace_id, user_id, session_id)
            ORDER BY t.trace_id, t.session_id NULLS LAST
            ON CONFLICT (trace_id) DO UPDATE SET session_id = EXCLUDED.session_id
                WHERE traces.session_id IS NULL AND EXCLUDED.session_id IS NOT NULL AND traces.user_id = EXCLUDED.user_id
            """);
        claim.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = traceIds.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = owners.ToArray() });
        claim.Parameters.Add(Nullable(NpgsqlDbType.Uuid, sessions.Select(s => (object?)s)));
        commands.BatchCommands.Add(claim);
        var read = new NpgsqlBatchCommand("SELECT trace_id, user_id FROM traces WHERE trace_id = ANY($1)");
        read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = traceIds.Distinct().ToArray() });
        commands.BatchCommands.Add(read);
        var owner = new Dictionary<string, Guid>();
        await using var reader = await commands.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None)) owner[reader.GetString(0)] = reader.GetGuid(1);
        return owner;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, List<SpanRow> rows)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            COPY spans (trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at, status_code,
                        status_message, scope_name, attributes, resource_attributes, events, model_request_id) FROM STDIN (FORMAT BINARY)
            """, CancellationToken.None);
        foreach (var r in rows)
        {
            await copy.StartRowAsync(CancellationToken.None);
            await copy.WriteAsync(r.TraceId, NpgsqlDbType.Text, CancellationToken.None);
            await copy.WriteAsync(r.SpanId, NpgsqlDbType.Text, CancellationToken.None);
            if (r.ParentSpanId is null) await copy.WriteNullAsync(CancellationToken.None); else await copy.WriteAsync(r.ParentSpanId, NpgsqlDbType.Text, CancellationToken.None);
            await copy.WriteAsync(r.Name, NpgsqlDbType.Text, CancellationToken.None);
            await copy.WriteAsync(r.Kind, NpgsqlDbType.Smallint, CancellationToken.None);
            await copy.WriteAsync(r.StartUnixNano, NpgsqlDbType.Bigint, CancellationToken.None);
            await copy.WriteAsync(r.EndUnixNano, NpgsqlDbType.Bigint, CancellationToken.None);
            await copy.WriteAsync(r.StartedAt.UtcDateTime, NpgsqlDbType.TimestampTz, CancellationToken.None);
            await copy.WriteAsync(r.StatusCode, NpgsqlDbType.Smallint, CancellationToken.None);
            if (r.StatusMessage is null) await copy.WriteNullAsync(CancellationToken.None); else await copy.WriteAsync(r.StatusMessage, NpgsqlDbType.Text, CancellationToken.None);
            if (r.ScopeName is null) await copy.WriteNullAsync(CancellationToken.None); else await copy.WriteAsync(r.ScopeName, NpgsqlDbType.Text, CancellationToken.None);
            await copy.WriteAsync(r.AttributesJson, NpgsqlDbType.Jsonb, CancellationToken.None);
            await copy.WriteAsync(r.ResourceAttributesJson, NpgsqlDbType.Jsonb, CancellationToken.None);
            await copy.WriteAsync(r.EventsJson, NpgsqlDbType.Jsonb, CancellationToken.None);
            if (r.ModelRequestId is { } id) await copy.WriteAsync(id, NpgsqlDbType.Uuid, CancellationToken.None); else await copy.WriteNullAsync(CancellationToken.None);
        }
        await copy.CompleteAsync(CancellationToken.None);
    }

    /// <summary>The slow path for a group holding retried spans: insert what is new, report which rows that was.</summary>
    private static async Task<HashSet<(string, string)>> InsertNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<SpanRow> rows)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                               status_code, status_message, scope_name, attributes, resource_attributes, events, model_request_id)
            SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_unix_nano, s.end_unix_nano, s.started_at,
                   s.status_code, s.status_message, s.scope_name, s.attributes::jsonb, s.resource_attributes::jsonb, s.events::jsonb, s.model_request_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::bigint[], $7::bigint[], $8::timestamptz[],
                        $9::smallint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::uuid[])
                 AS s(trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                      status_code, status_message, scope_name, attributes, resource_attributes, events, model_request_id)
            ON CONFLICT DO NOTHING
            RETURNING trace_id, span_id
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.TraceId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.SpanId).ToArray() });
        insert.Parameters.Add(Nullable(NpgsqlDbType.Text, rows.Select(r => (object?)r.ParentSpanId)));
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Name).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = rows.Select(r => r.Kind).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.StartUnixNano).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.EndUnixNano).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = rows.Select(r => r.StartedAt.UtcDateTime).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = rows.Select(r => r.StatusCode).ToArray() });
        insert.Parameters.Add(Nullable(NpgsqlDbType.Text, rows.Select(r => (object?)r.StatusMessage)));
        insert.Parameters.Add(Nullable(NpgsqlDbType.Text, rows.Select(r => (object?)r.ScopeName)));
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.AttributesJson).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.ResourceAttributesJson).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.EventsJson).ToArray() });
        insert.Parameters.Add(Nullable(NpgsqlDbType.Uuid, rows.Select(r => (object?)r.ModelRequestId)));
        var inserted = new HashSet<(string, string)>();
        await using var reader = await insert.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None)) inserted.Add((reader.GetString(0), reader.GetString(1)));
        return inserted;
    }

    private static NpgsqlParameter Nullable(NpgsqlDbType type, IEnumerable<object?> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | type, Value = values.Select(v => v ?? DBNull.Value).ToArray() };
}
