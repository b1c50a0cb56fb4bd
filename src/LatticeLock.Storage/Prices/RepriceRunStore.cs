using LatticeLock.Grains.Abstractions.Errors;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Prices;

/// <summary>The <c>reprice_runs</c> table (one row per run, moved on by each chunk in its transaction) and the sessions a run touched.</summary>
public sealed class RepriceRunStore(NpgsqlDataSource dataSource)
{
    /// <summary>How many runs <see cref="ListAsync"/> returns at most.</summary>
    public const int ListLimit = 100;

    private const string Columns = """
        id, requested_by, window_from, window_to, provider, model, status, resume_at, rows_examined, rows_changed, rows_over_limit,
        old_total_usd, new_total_usd, started_at, updated_at, finished_at
        """;

    public async Task<RepriceRun> StartAsync(Guid id, RepriceWindow window, string requestedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO reprice_runs (id, requested_by, window_from, window_to, provider, model, resume_at)
            VALUES ($1, $2, $3, $4, $5, $6, $3)
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(requestedBy);
        command.Parameters.AddWithValue(window.From);
        command.Parameters.AddWithValue(window.To);
        command.Parameters.AddNullable(window.Provider, NpgsqlDbType.Text);
        command.Parameters.AddNullable(window.Model, NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    public async Task<RepriceRun?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM reprice_runs WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The latest runs, newest first (at most <see cref="ListLimit"/>).</summary>
    public async Task<List<RepriceRun>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM reprice_runs ORDER BY started_at DESC LIMIT {ListLimit}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<RepriceRun>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader));
        return list;
    }

    /// <summary>Where the run continues: the last (requested_at, id) it finished.</summary>
    public async Task<(DateTimeOffset At, Guid Id)> ResumePositionAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT resume_at, resume_id FROM reprice_runs WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"reprice run {id} is not stored");
        return (reader.GetFieldValue<DateTimeOffset>(0), reader.GetGuid(1));
    }

    /// <summary>
    /// Adds a chunk's counts and moves the run's position from <paramref name="from"/> to <paramref name="position"/>,
    /// in the chunk's transaction; a conflict (and the chunk rolls back) when the run is no longer where this driver
    /// left it: another process is driving it too, or it has finished.
    /// </summary>
    public async Task<RepriceRun> RecordChunkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id,
        (DateTimeOffset At, Guid Id) from, (DateTimeOffset At, Guid Id) position,
        int examined, int changed, int overLimit, decimal oldTotal, decimal newTotal, bool finished, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            UPDATE reprice_runs
            SET resume_at = $2, resume_id = $3, rows_examined = rows_examined + $4, rows_changed = rows_changed + $5,
                rows_over_limit = rows_over_limit + $6, old_total_usd = old_total_usd + $7, new_total_usd = new_total_usd + $8,
                updated_at = now(),
                status = CASE WHEN $9 THEN 'finished' ELSE status END,
                finished_at = CASE WHEN $9 THEN now() ELSE finished_at END
            WHERE id = $1 AND status = 'running' AND resume_at = $10 AND resume_id = $11
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(position.At);
        command.Parameters.AddWithValue(position.Id);
        command.Parameters.AddWithValue((long)examined);
        command.Parameters.AddWithValue((long)changed);
        command.Parameters.AddWithValue((long)overLimit);
        command.Parameters.AddWithValue(oldTotal);
        command.Parameters.AddWithValue(newTotal);
        command.Parameters.AddWithValue(finished);
        command.Parameters.AddWithValue(from.At);
        command.Parameters.AddWithValue(from.Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new ConflictException("resume_run_id", $"reprice run {id} was moved on by another process (or has finished); this driver stops, nothing of its last chunk is kept");
        return Read(reader);
    }

    /// <summary>The sessions whose costs run <paramref name="id"/> changed, with their projects.</summary>
    public async Task<List<(Guid SessionId, Guid? ProjectId)>> TouchedSessionsAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT session_id, project_id FROM reprice_run_sessions WHERE run_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(Guid, Guid?)>();
        while (await reader.ReadAsync(cancellationToken)) list.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)));
        return list;
    }

    private static RepriceRun Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3),
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7),
        r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetDecimal(11), r.GetDecimal(12), r.GetFieldValue<DateTimeOffset>(13),
        r.GetFieldValue<DateTimeOffset>(14), r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15));
}
