using System.Text;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Commits;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Traces;

/// <summary>
/// The span log's committer: one transaction per group of export requests. Idempotent by (trace_id, span_id): an
/// exporter's retry conflicts on the primary key and stores nothing (binary COPY first; a group holding a retried span
/// falls back to INSERT … ON CONFLICT DO NOTHING). A trace id is scoped to the user whose key sent it: the same id sent
/// by another user is another trace. Each resource is stored once per user and referenced by its spans.
/// </summary>
public sealed class SpanBatchWriter(NpgsqlDataSource dataSource) : IBatchCommitter<SpanBatch, SpanBatchResult>
{
    /// <summary>A span refused for its data alone: 400 naming the column (nothing of its export request is stored).</summary>
    public Exception Refused(PostgresException e) => new InvalidFieldException(e.ColumnName is { } c ? $"spans.{c}" : "spans",
        $"the database refused a span's value (SQLSTATE {e.SqlState}{(e.ConstraintName is { } k ? $", constraint {k}" : "")}); nothing of this export was stored");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// One transaction for the whole group. First, in one round trip, each trace is registered for its owner (a session
    /// named later fills an empty one) and each resource stored once. Then the spans go in with one binary COPY, the
    /// fastest way in. A retried span makes the COPY fail on the primary key: the transaction goes back to before the
    /// COPY (a savepoint) and inserts the same rows with ON CONFLICT DO NOTHING instead, so retries cost the slow path
    /// and fresh spans never do.
    /// </summary>
    public async Task<IReadOnlyList<SpanBatchResult>> CommitAsync(IReadOnlyList<SpanBatch> batches, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RegisterAsync(connection, transaction, batches, cancellationToken);

        var own = batches.SelectMany(b => b.Spans.Select(s => (b.UserId, Span: s))).ToList();
        HashSet<(Guid, string, string)>? inserted = null; // null: every row of `own` was inserted
        if (own.Count > 0)
        {
            await transaction.SaveAsync("spans_copy", cancellationToken);
            try
            {
                await CopyAsync(connection, own, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync("spans_copy", cancellationToken);
                inserted = await InsertNewAsync(connection, transaction, own, cancellationToken);
            }
        }
        // Only repeats: the commit would not wait for a synchronous standby that may not hold them yet (see SynchronousBarrier).
        if (inserted is { Count: 0 }) await SynchronousBarrier.MarkAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var results = new List<SpanBatchResult>(batches.Count);
        foreach (var batch in batches)
        {
            var stored = inserted is null ? batch.Spans.Count : batch.Spans.Count(s => inserted.Contains((batch.UserId, s.TraceId, s.SpanId)));
            results.Add(new SpanBatchResult(stored, batch.Spans.Count - stored));
        }
        return results;
    }

    /// <summary>Registers each trace for its owner (a session named later fills an empty one) and stores each new resource.</summary>
    private static async Task RegisterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SpanBatch> batches, CancellationToken cancellationToken)
    {
        var traceIds = new List<string>();
        var traceOwners = new List<Guid>();
        var sessions = new List<Guid?>();
        var workspaces = new List<Guid>();
        var resourceIds = new List<byte[]>();
        var resourceOwners = new List<Guid>();
        var resourceJson = new List<string>();
        foreach (var batch in batches)
        {
            foreach (var traceId in batch.Spans.Select(s => s.TraceId).Distinct())
            {
                traceIds.Add(traceId);
                traceOwners.Add(batch.UserId);
                sessions.Add(batch.TraceSessions.TryGetValue(traceId, out var session) ? session : null);
                workspaces.Add(batch.WorkspaceId);
            }
            foreach (var resource in batch.Resources)
            {
                resourceIds.Add(resource.Id);
                resourceOwners.Add(batch.UserId);
                resourceJson.Add(resource.AttributesJson);
            }
        }
        await using var commands = new NpgsqlBatch(connection, transaction);
        var claim = new NpgsqlBatchCommand("""
            INSERT INTO traces (user_id, trace_id, session_id, workspace_id)
            SELECT DISTINCT ON (t.user_id, t.trace_id) t.user_id, t.trace_id, t.session_id,
                   coalesce((SELECT s.workspace_id FROM sessions s WHERE s.id = t.session_id), t.workspace_id)
            FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[]) AS t(user_id, trace_id, session_id, workspace_id)
            ORDER BY t.user_id, t.trace_id, t.session_id NULLS LAST
            ON CONFLICT (user_id, trace_id) DO UPDATE SET session_id = EXCLUDED.session_id, workspace_id = EXCLUDED.workspace_id
                WHERE traces.session_id IS NULL AND EXCLUDED.session_id IS NOT NULL
            """);
        claim.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = traceOwners.ToArray() });
        claim.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = traceIds.ToArray() });
        claim.Parameters.Add(Nullable(NpgsqlDbType.Uuid, sessions.Select(s => (object?)s)));
        claim.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = workspaces.ToArray() });
        commands.BatchCommands.Add(claim);
        if (resourceIds.Count > 0)
        {
            var resources = new NpgsqlBatchCommand("""
                INSERT INTO span_resources (user_id, resource_id, attributes)
                SELECT DISTINCT ON (r.user_id, r.resource_id) r.user_id, r.resource_id, r.attributes::jsonb
                FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS r(user_id, resource_id, attributes)
                ORDER BY r.user_id, r.resource_id
                ON CONFLICT DO NOTHING
                """);
            resources.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = resourceOwners.ToArray() });
            resources.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = resourceIds.ToArray() });
            resources.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = resourceJson.ToArray() });
            commands.BatchCommands.Add(resources);
        }
        await commands.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <remarks>
    /// Each value is written with an uncancellable token: a cancellable one costs a registration per call (16 per span),
    /// and the commit timeout is still observed by the COPY's start and completion.
    /// </remarks>
    private static async Task CopyAsync(NpgsqlConnection connection, List<(Guid UserId, SpanRow Span)> rows, CancellationToken cancellationToken)
    {
        var uncancellable = CancellationToken.None;
        await using var copy = await connection.BeginBinaryImportAsync("""
            COPY spans (user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at, status_code,
                        status_message, scope_name, attributes, resource_id, events, model_request_id) FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        foreach (var (userId, r) in rows)
        {
            await copy.StartRowAsync(uncancellable);
            await copy.WriteAsync(userId, NpgsqlDbType.Uuid, uncancellable);
            await copy.WriteAsync(r.TraceId, NpgsqlDbType.Text, uncancellable);
            await copy.WriteAsync(r.SpanId, NpgsqlDbType.Text, uncancellable);
            if (r.ParentSpanId is null) await copy.WriteNullAsync(uncancellable); else await copy.WriteAsync(r.ParentSpanId, NpgsqlDbType.Text, uncancellable);
            await copy.WriteAsync(r.Name, NpgsqlDbType.Text, uncancellable);
            await copy.WriteAsync(r.Kind, NpgsqlDbType.Smallint, uncancellable);
            await copy.WriteAsync(r.StartUnixNano, NpgsqlDbType.Bigint, uncancellable);
            await copy.WriteAsync(r.EndUnixNano, NpgsqlDbType.Bigint, uncancellable);
            await copy.WriteAsync(r.StartedAt.UtcDateTime, NpgsqlDbType.TimestampTz, uncancellable);
            await copy.WriteAsync(r.StatusCode, NpgsqlDbType.Smallint, uncancellable);
            if (r.StatusMessage is null) await copy.WriteNullAsync(uncancellable); else await copy.WriteAsync(r.StatusMessage, NpgsqlDbType.Text, uncancellable);
            if (r.ScopeName is null) await copy.WriteNullAsync(uncancellable); else await copy.WriteAsync(r.ScopeName, NpgsqlDbType.Text, uncancellable);
            await copy.WriteAsync(r.AttributesJson, NpgsqlDbType.Jsonb, uncancellable);
            await copy.WriteAsync(r.ResourceId, NpgsqlDbType.Bytea, uncancellable);
            await copy.WriteAsync(r.EventsJson, NpgsqlDbType.Jsonb, uncancellable);
            if (r.ModelRequestId is { } id) await copy.WriteAsync(id, NpgsqlDbType.Uuid, uncancellable); else await copy.WriteNullAsync(uncancellable);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>The slow path for a group holding retried spans: insert what is new, report which rows that was.</summary>
    private static async Task<HashSet<(Guid, string, string)>> InsertNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        List<(Guid UserId, SpanRow Span)> own, CancellationToken cancellationToken)
    {
        var rows = own.Select(o => o.Span).ToList();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO spans (user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                               status_code, status_message, scope_name, attributes, resource_id, events, model_request_id)
            SELECT s.user_id, s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_unix_nano, s.end_unix_nano, s.started_at,
                   s.status_code, s.status_message, s.scope_name, s.attributes::jsonb, s.resource_id, s.events::jsonb, s.model_request_id
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::bigint[], $8::bigint[], $9::timestamptz[],
                        $10::smallint[], $11::text[], $12::text[], $13::text[], $14::bytea[], $15::text[], $16::uuid[])
                 AS s(user_id, trace_id, span_id, parent_span_id, name, kind, start_unix_nano, end_unix_nano, started_at,
                      status_code, status_message, scope_name, attributes, resource_id, events, model_request_id)
            ON CONFLICT DO NOTHING
            RETURNING user_id, trace_id, span_id
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = own.Select(o => o.UserId).ToArray() });
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
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => Encoding.UTF8.GetString(r.AttributesJson)).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = rows.Select(r => r.ResourceId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => Encoding.UTF8.GetString(r.EventsJson)).ToArray() });
        insert.Parameters.Add(Nullable(NpgsqlDbType.Uuid, rows.Select(r => (object?)r.ModelRequestId)));
        var inserted = new HashSet<(Guid, string, string)>();
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) inserted.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        return inserted;
    }

    private static NpgsqlParameter Nullable(NpgsqlDbType type, IEnumerable<object?> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | type, Value = values.Select(v => v ?? DBNull.Value).ToArray() };
}
