using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Commits;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.ModelRequests;

/// <summary>
/// Writes one batch of model requests in one statement: binary COPY of the rows into <c>model_requests</c> (whose
/// statement trigger registers their ids in <c>model_request_ids</c>, the one unique index over every monthly
/// partition), commit. Repeated ids are rare (client retries), so the fast path does not look for them: when one is
/// present the COPY fails with a unique violation, the transaction rolls back, and the batch is written again after
/// looking up which ids are already stored. Owns one connection, reopened after a failure. The model-request log's
/// committer: each row is answered true when it was stored now, false when its id was stored already.
/// </summary>
public sealed class ModelRequestBatchWriter(NpgsqlDataSource dataSource) : IBatchCommitter<ModelRequestRow, bool>
{
    /// <summary>The COPY column list, from <see cref="ModelRequestColumns"/>.</summary>
    public static string Columns => ModelRequestColumns.CopyList;

    private const int MaxAttempts = 3;

    private NpgsqlConnection? _connection;

    /// <summary>
    /// Commits the batch: the first occurrence of an id is written, later ones in the same batch are answered as the
    /// duplicates they are (false).
    /// </summary>
    public async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<ModelRequestRow> items, CancellationToken cancellationToken)
    {
        var firsts = new List<ModelRequestRow>(items.Count);
        var seen = new HashSet<Guid>(items.Count);
        var isFirst = new bool[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.Add(items[i].Request.Id)) continue;
            isFirst[i] = true;
            firsts.Add(items[i]);
        }
        var inserted = await WriteAsync(firsts, cancellationToken);
        var answers = new bool[items.Count];
        for (var i = 0; i < items.Count; i++) answers[i] = isFirst[i] && inserted.Contains(items[i].Request.Id);
        return answers;
    }

    /// <summary>A row refused for its data alone: 400 naming the column or the field its constraint guards.</summary>
    public Exception Refused(PostgresException e) => new InvalidFieldException(e.ColumnName ?? FieldOfConstraint(e.ConstraintName) ?? "body",
        $"the database refused the value (SQLSTATE {e.SqlState}{(e.ConstraintName is { } c ? $", constraint {c}" : "")}); nothing was stored");

    /// <summary>The column a CHECK constraint guards (<c>model_requests_input_tokens_check</c> → <c>input_tokens</c>), when it names one.</summary>
    private static string? FieldOfConstraint(string? constraint) =>
        constraint is null ? null : ModelRequestColumns.All.Select(c => c.Name).Where(c => constraint.Contains($"_{c}_", StringComparison.Ordinal))
            .OrderByDescending(c => c.Length).FirstOrDefault();

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
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // Two batches retrying the same ids; rows go in id order, so this is rare and a retry settles it.
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
        // The fast path is one COPY in autocommit: a single statement is its own transaction (rows and, through the
        // trigger, their ids), committed and flushed before PostgreSQL answers CommandComplete, one round trip fewer
        // than BEGIN … COMMIT. A retry looks up stored ids first, so it needs an explicit transaction.
        await using var transaction = lookForStoredIds ? await connection.BeginTransactionAsync(cancellationToken) : null;
        var stored = new HashSet<Guid>();
        if (lookForStoredIds)
        {
            var ids = new Guid[rows.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = rows[i].Request.Id;
            await using var lookup = new NpgsqlCommand("SELECT id FROM model_request_ids WHERE id = ANY($1)", connection, transaction);
            lookup.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) stored.Add(reader.GetGuid(0));
        }
        var inserted = new HashSet<Guid>(rows.Count);
        if (stored.Count < rows.Count)
        {
            var fresh = new List<ModelRequestRow>(rows.Count - stored.Count);
            foreach (var row in rows)
            {
                if (!stored.Contains(row.Request.Id)) fresh.Add(row);
            }
            // In id order, so two batches holding the same retried ids lock them in the same order.
            fresh.Sort(static (a, b) => a.Request.Id.CompareTo(b.Request.Id));
            await using (var importer = await connection.BeginBinaryImportAsync(
                $"COPY model_requests ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in fresh)
                {
                    WriteRow(importer, row);
                    inserted.Add(row.Request.Id);
                }
                await importer.CompleteAsync(cancellationToken);
            }
        }
        // Every id was stored already: nothing was written, so the commit would not wait for a synchronous standby that
        // may not hold those rows yet. The barrier makes it wait, and the repeats are acknowledged only once it has them.
        if (transaction is not null && inserted.Count == 0) await SynchronousBarrier.MarkAsync(connection, transaction, cancellationToken);
        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
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

    /// <summary>Writes one row as <see cref="ModelRequestColumns"/> declares it; public so the benchmark COPYs byte-identical rows.</summary>
    public static void WriteRow(NpgsqlBinaryImporter w, ModelRequestRow row) => ModelRequestColumns.WriteRow(w, row);

    public async ValueTask DisposeAsync() => await ResetAsync();
}
