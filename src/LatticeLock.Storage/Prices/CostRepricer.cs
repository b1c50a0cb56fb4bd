using LatticeLock.Grains.Abstractions.Prices;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Commits;
using LatticeLock.Storage.Metrics;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Prices;

/// <summary>
/// Recomputes the cost of every request in a window that was priced from the price table or stored unpriced (never a
/// client-given cost) from the current price rows, and keeps everything derived from those costs equal to a sum over
/// the corrected rows. Rows are walked in (requested_at, id) order, up to <see cref="ChunkRows"/> at a time from a
/// span of requested_at that adapts to the log's density (at most <see cref="MaxSpan"/>; about two chunks' worth, so
/// each read scans a bounded part of the log through its BRIN index). A run first waits until every silo prices from
/// the current table and requests priced before that are in the log. A chunk whose costs change is one transaction
/// that, while it holds the
/// <c>cost_reprice_state</c> row:
/// <list type="bullet">
/// <item>takes the cost a session's stored checkpoint counted off the checkpoint (the row is then summed again, at its
/// new cost, as a row after the checkpoint);</item>
/// <item>corrects cost_aggregations (cost by side and by token class) by the difference for rows the aggregates consumer had counted, and lists them in
/// cost_corrections so that consumer skips them once;</item>
/// <item>writes the new costs and price_id and moves each changed row to the end of the metric feed (xact_id), so
/// every metric sink is sent the point again with its new cost;</item>
/// <item>records the run's progress, so a crashed run resumes after its last chunk, and the sessions it touched.</item>
/// </list>
/// Running it again changes nothing (the rows already have the costs their prices give). Its last chunk announces the
/// run (NOTIFY <see cref="ChangeChannel"/>), on which silos have live session grains reload and project grains re-sum.
/// </summary>
public sealed class CostRepricer(NpgsqlDataSource dataSource, PriceRepository prices, RepriceRunStore runs, PriceRows priceRows)
{
    public const string ChangeChannel = "lattice_cost_corrections";
    public const int ChunkRows = 1_000;
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(1);
    /// <summary>How often a long run announces its corrections so far (NOTIFY <see cref="ChangeChannel"/>).</summary>
    public static readonly TimeSpan AnnounceEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan InFlightMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinSpan = TimeSpan.FromMilliseconds(1);

    /// <summary>Starts a run over <paramref name="window"/>, or continues run <paramref name="resume"/>, to its end; reports after each chunk.</summary>
    public async Task<RepriceRun> RunAsync(RepriceWindow? window, Guid? resume, string requestedBy, IProgress<RepriceRun>? progress, CancellationToken cancellationToken)
    {
        var run = resume is { } id
            ? await runs.GetAsync(id, cancellationToken) ?? throw new Grains.Abstractions.Errors.InvalidFieldException("resume_run_id", $"there is no reprice run {id}")
            : await runs.StartAsync(Guid.NewGuid(), (window ?? throw new ArgumentNullException(nameof(window))).Validated(), requestedBy, cancellationToken);
        if (run.IsFinished) return run;
        await SettleAsync(cancellationToken);
        var history = new PriceHistory(await prices.ListForPricingAsync(run.Provider, run.Model, cancellationToken));
        var position = await runs.ResumePositionAsync(run.Id, cancellationToken);
        var span = MaxSpan;
        var announced = DateTimeOffset.UtcNow;
        while (!run.IsFinished)
        {
            var sliceEnd = position.At + span < run.To ? position.At + span : run.To;
            var from = position.At;
            bool full;
            var announce = DateTimeOffset.UtcNow - announced >= AnnounceEvery;
            bool changed;
            (run, position, full, changed) = await ChunkAsync(run, position, sliceEnd, history, announce, cancellationToken);
            if (changed && announce) announced = DateTimeOffset.UtcNow;
            // A full chunk covered part of the span: aim the next at about twice what it covered; otherwise widen.
            var next = full ? (position.At - from) * 2 : span * 2;
            span = next < MinSpan ? MinSpan : next > MaxSpan ? MaxSpan : next;
            progress?.Report(run);
        }
        return run;
    }

    /// <summary>
    /// Waits until no silo can still price from a copy of the table older than its last change (the copies' lifetime
    /// and a margin for requests priced just before a copy was replaced, still on their way to the log), and until
    /// every transaction running then has finished: a request priced from an old row is in the log before the walk.
    /// Also summarizes the log's new BRIN ranges, so each chunk's read scans only the blocks of its span.
    /// </summary>
    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        await using (var age = dataSource.CreateCommand(
            "SELECT coalesce(extract(epoch FROM max(greatest(created_at, coalesce(superseded_at, created_at))) + $1 - now()), 0)::float8 FROM model_prices"))
        {
            age.Parameters.AddWithValue(ModelPrice.CacheLifetime + InFlightMargin);
            var wait = (double)(await age.ExecuteScalarAsync(cancellationToken))!;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken);
        }
        ulong horizon;
        await using (var next = dataSource.CreateCommand("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
            horizon = (ulong)(await next.ExecuteScalarAsync(cancellationToken))!;
        var deadline = DateTimeOffset.UtcNow + InFlightMargin * 6;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var finished = dataSource.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1");
            finished.Parameters.Add(new NpgsqlParameter { Value = horizon, NpgsqlDbType = NpgsqlDbType.Xid8 });
            if ((bool)(await finished.ExecuteScalarAsync(cancellationToken))!) break;
            await Task.Delay(50, cancellationToken);
        }
        await using var summarize = dataSource.CreateCommand("""
            SELECT count(brin_summarize_new_values(i.inhrelid::regclass))
            FROM pg_inherits i WHERE i.inhparent = 'idx_model_requests_requested_brin'::regclass
            """);
        await summarize.ExecuteScalarAsync(cancellationToken);
    }

    private async Task<(RepriceRun Run, (DateTimeOffset At, Guid Id) Position, bool Full, bool Changed)> ChunkAsync(
        RepriceRun run, (DateTimeOffset At, Guid Id) position, DateTimeOffset sliceEnd, PriceHistory history, bool announce, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = await ReadChunkAsync(connection, transaction, run, position, sliceEnd, cancellationToken);
        var priced = rows.Select(r => Reprice(r, history)).ToList();
        if (priced.Any(p => p.Changed))
        {
            // Changes: hold the generation row (the aggregates consumer waits, then re-reads its batch) and read the
            // chunk again under it, so "counted by the aggregates consumer" and the old costs are current.
            await using (var lockGeneration = new NpgsqlCommand("UPDATE cost_reprice_state SET generation = generation + 1", connection, transaction))
                await lockGeneration.ExecuteNonQueryAsync(cancellationToken);
            rows = await ReadChunkAsync(connection, transaction, run, position, sliceEnd, cancellationToken);
            priced = rows.Select(r => Reprice(r, history)).ToList();
            var changed = priced.Where(p => p.Changed).ToList();
            if (changed.Count > 0) await ApplyAsync(connection, transaction, run.Id, changed, position.At, sliceEnd, cancellationToken);
        }
        var full = rows.Count == ChunkRows;
        var next = full ? (rows[^1].RequestedAt, rows[^1].Id) : (sliceEnd, Guid.Empty);
        var finished = !full && sliceEnd >= run.To;
        var changedRows = priced.Count(p => p.Changed);
        var updated = await runs.RecordChunkAsync(connection, transaction, run.Id, position, next, rows.Count, changedRows,
            priced.Count(p => p.OverLimit), priced.Sum(p => p.Row.OldTotal), priced.Sum(p => p.NewTotal), finished, cancellationToken);
        if (finished || (announce && changedRows > 0))
        {
            // Live session grains and project grains of the sessions changed so far follow (at the end, and every
            // AnnounceEvery during a long run, so an interrupted run has corrected them up to its last announcement).
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction);
            notify.Parameters.AddWithValue(ChangeChannel);
            notify.Parameters.AddWithValue(run.Id.ToString());
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
        await ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, cancellationToken);
        return (updated, next, full, changedRows > 0);
    }

    private sealed record StoredCost(
        Guid Id, DateTimeOffset RequestedAt, ulong XactId, Guid? SessionId, Guid? UserId, Guid? ProjectId, string Provider, string Model,
        string? TaskType, ServiceTier? Tier, int InputTokens, int OutputTokens, int? Cached, int? Written, int? Written1h, int? Reasoning,
        decimal? InputCost, decimal? OutputCost, bool PricedFromTable, long? PriceId, bool Counted, Guid? WorkspaceId)
    {
        public decimal OldTotal => (InputCost ?? 0) + (OutputCost ?? 0);

        /// <summary>The row's cost_aggregations group, as the aggregates consumer forms it (standard tier: null).</summary>
        public (DateOnly Day, Guid? Workspace, Guid? User, Guid? Project, string Provider, string Model, string? TaskType, string? Tier) Group =>
            (DateOnly.FromDateTime(RequestedAt.UtcDateTime), WorkspaceId, UserId, ProjectId, Provider, Model, TaskType,
             Tier is null or ServiceTier.Standard ? null : WireNames.Of(Tier.Value));
    }

    private sealed record Repriced(StoredCost Row, bool Changed, bool OverLimit, decimal? Input, decimal? Output, long? PriceId, ClassCosts Classes = default)
    {
        public decimal NewTotal => Changed ? Input!.Value + Output!.Value : Row.OldTotal;
    }

    /// <summary>The row's cost at the price in effect in its workspace at its requested_at; unchanged when there is none or it would cost more than a request may.</summary>
    private static Repriced Reprice(StoredCost row, PriceHistory history)
    {
        if (history.Resolve(row.WorkspaceId, row.Provider, row.Model, row.RequestedAt) is not { } price) return new(row, false, false, null, null, null);
        var parts = TokenPricing.Breakdown(
            PriceRows.Record(row.Provider, row.Model, row.RequestedAt, row.InputTokens, row.OutputTokens, row.Cached, row.Written, row.Written1h, row.Reasoning, row.Tier),
            price);
        var (input, output) = TokenPricing.Costs(parts);
        if (input > Limits.MaxCostUsd || output > Limits.MaxCostUsd || input + output > Limits.MaxCostUsd) return new(row, false, true, null, null, null);
        var same = row.PricedFromTable && row.PriceId == price.Id && row.InputCost == input && row.OutputCost == output;
        return new(row, !same, false, input, output, price.Id, ClassCosts.Of(parts));
    }

    private static async Task<List<StoredCost>> ReadChunkAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RepriceRun run, (DateTimeOffset At, Guid Id) position, DateTimeOffset sliceEnd,
        CancellationToken cancellationToken)
    {
        // "Counted": at or before the aggregates consumer's cursor, or counted and corrected by an earlier reprice.
        await using var command = new NpgsqlCommand("""
            SELECT m.id, m.requested_at, m.xact_id, m.session_id, m.user_id, m.project_id, m.provider, m.model_id, m.task_type,
                   m.service_tier, m.input_tokens, m.output_tokens, m.cached_input_tokens, m.cache_write_input_tokens, m.cache_write_1h_input_tokens,
                   m.reasoning_output_tokens, m.input_cost_usd, m.output_cost_usd, m.cost_source = 'price_table', m.price_id,
                   coalesce((m.xact_id, m.id) <= (c.last_xact_id, c.last_request_id), false)
                       OR EXISTS (SELECT 1 FROM cost_corrections k WHERE k.request_id = m.id),
                   m.workspace_id
            FROM model_requests m
            LEFT JOIN metric_sink_cursors c ON c.sink = $7
            WHERE m.requested_at >= $1 AND (m.requested_at, m.id) > ($1, $2) AND m.requested_at < $3
              AND m.cost_source IN ('price_table', 'unpriced')
              AND ($4::text IS NULL OR m.provider = $4) AND ($5::text IS NULL OR m.model_id = $5)
            ORDER BY m.requested_at, m.id
            LIMIT $6
            """, connection, transaction);
        command.Parameters.AddWithValue(position.At);
        command.Parameters.AddWithValue(position.Id);
        command.Parameters.AddWithValue(sliceEnd);
        command.Parameters.AddNullable(run.Provider, NpgsqlDbType.Text);
        command.Parameters.AddNullable(run.Model, NpgsqlDbType.Text);
        command.Parameters.AddWithValue(ChunkRows);
        command.Parameters.AddWithValue(CostAggregationConsumer.ConsumerName);
        var rows = new List<StoredCost>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredCost(
                r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetFieldValue<ulong>(2), Uuid(r, 3), Uuid(r, 4), Uuid(r, 5),
                r.GetString(6), r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : WireNames.Parse<ServiceTier>(r.GetString(9)),
                r.GetInt32(10), r.GetInt32(11), Int(r, 12), Int(r, 13), Int(r, 14), Int(r, 15),
                Decimal(r, 16), Decimal(r, 17), r.GetBoolean(18), r.IsDBNull(19) ? null : r.GetInt64(19), r.GetBoolean(20), Uuid(r, 21)));
        }
        return rows;
    }

    private static int? Int(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt32(ordinal);
    private static Guid? Uuid(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetGuid(ordinal);
    private static decimal? Decimal(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDecimal(ordinal);

    /// <summary>
    /// Writes the changed rows and corrects what was derived from their old costs (see the class summary). Every
    /// statement works from the chunk as read (the log has no index on id alone: its rows are found within the chunk's
    /// span of requested_at, [<paramref name="lo"/>, <paramref name="hi"/>), through the BRIN index).
    /// </summary>
    private async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid runId, List<Repriced> changed,
        DateTimeOffset lo, DateTimeOffset hi, CancellationToken cancellationToken)
    {
        // Sessions first (in id order), in a statement of its own: a checkpoint that began earlier has committed by
        // the time the lock is held, and one that begins later sums in a snapshot that already has these changes.
        var inSessions = changed.Where(c => c.Row.SessionId is not null).ToList();
        await using (var lockSessions = new NpgsqlCommand("SELECT id FROM sessions WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE", connection, transaction))
        {
            lockSessions.Parameters.AddWithValue(inSessions.Select(c => c.Row.SessionId!.Value).Distinct().ToArray());
            await lockSessions.ExecuteNonQueryAsync(cancellationToken);
        }
        // Rows a checkpoint has folded in (written before its horizon) are taken off it: moved past it, they are summed again.
        await using (var checkpoints = new NpgsqlCommand("""
            UPDATE sessions s
            SET totals_request_count = s.totals_request_count - d.n, totals_input_tokens = s.totals_input_tokens - d.i,
                totals_output_tokens = s.totals_output_tokens - d.o, totals_cost_usd = s.totals_cost_usd - d.c
            FROM (SELECT x.sid, count(*) AS n, sum(x.i)::bigint AS i, sum(x.o)::bigint AS o, sum(x.c) AS c
                  FROM unnest($1::uuid[], $2::xid8[], $3::integer[], $4::integer[], $5::numeric[]) AS x (sid, xact, i, o, c)
                  JOIN sessions t ON t.id = x.sid
                  WHERE x.xact < t.totals_xmin
                  GROUP BY x.sid) d
            WHERE s.id = d.sid
            """, connection, transaction))
        {
            checkpoints.Parameters.AddWithValue(inSessions.Select(c => c.Row.SessionId!.Value).ToArray());
            checkpoints.Parameters.Add(new NpgsqlParameter { Value = inSessions.Select(c => c.Row.XactId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Xid8 });
            checkpoints.Parameters.AddWithValue(inSessions.Select(c => c.Row.InputTokens).ToArray());
            checkpoints.Parameters.AddWithValue(inSessions.Select(c => c.Row.OutputTokens).ToArray());
            checkpoints.Parameters.AddWithValue(inSessions.Select(c => c.Row.OldTotal).ToArray());
            await checkpoints.ExecuteNonQueryAsync(cancellationToken);
        }

        var counted = changed.Where(c => c.Row.Counted).ToList();
        if (counted.Count > 0)
        {
            // The class costs the consumer counted came from the old price row (none for a row then unpriced).
            var classDelta = new Dictionary<Guid, ClassCosts>();
            foreach (var c in counted)
            {
                var r = c.Row;
                var old = await priceRows.ClassCostsAsync(r.PricedFromTable ? r.PriceId : null, r.Provider, r.Model, r.RequestedAt, r.InputTokens,
                    r.OutputTokens, r.Cached, r.Written, r.Written1h, r.Reasoning, r.Tier, cancellationToken);
                classDelta[r.Id] = c.Classes - old;
            }
            var groups = counted.GroupBy(c => c.Row.Group)
                .Select(g => (g.Key, Input: g.Sum(c => c.Input!.Value - (c.Row.InputCost ?? 0)), Output: g.Sum(c => c.Output!.Value - (c.Row.OutputCost ?? 0)),
                    Classes: g.Aggregate(ClassCosts.None, (sum, c) => sum + classDelta[c.Row.Id])))
                .ToList();
            await using (var aggregates = new NpgsqlCommand("""
                INSERT INTO cost_aggregations AS a (aggregation_date, user_id, project_id, provider, model_id, task_type, service_tier,
                    total_cost_usd, total_input_cost_usd, total_output_cost_usd, total_cached_input_cost_usd,
                    total_cache_write_input_cost_usd, total_reasoning_output_cost_usd, workspace_id)
                SELECT d, u, p, pr, m, t, st, i + o, i, o, ci, cw, ro, w
                FROM unnest($1::date[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::numeric[],
                            $10::numeric[], $11::numeric[], $12::numeric[], $13::uuid[])
                     AS x (d, u, p, pr, m, t, st, i, o, ci, cw, ro, w)
                ON CONFLICT ON CONSTRAINT cost_aggregations_group_key DO UPDATE SET
                    total_cost_usd = a.total_cost_usd + excluded.total_cost_usd,
                    total_input_cost_usd = a.total_input_cost_usd + excluded.total_input_cost_usd,
                    total_output_cost_usd = a.total_output_cost_usd + excluded.total_output_cost_usd,
                    total_cached_input_cost_usd = a.total_cached_input_cost_usd + excluded.total_cached_input_cost_usd,
                    total_cache_write_input_cost_usd = a.total_cache_write_input_cost_usd + excluded.total_cache_write_input_cost_usd,
                    total_reasoning_output_cost_usd = a.total_reasoning_output_cost_usd + excluded.total_reasoning_output_cost_usd,
                    updated_at = now()
                """, connection, transaction))
            {
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Key.Day).ToArray());
                aggregates.Parameters.Add(Uuids(groups.Select(g => g.Key.User)));
                aggregates.Parameters.Add(Uuids(groups.Select(g => g.Key.Project)));
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Key.Provider).ToArray());
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Key.Model).ToArray());
                aggregates.Parameters.Add(Texts(groups.Select(g => g.Key.TaskType)));
                aggregates.Parameters.Add(Texts(groups.Select(g => g.Key.Tier)));
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Input).ToArray());
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Output).ToArray());
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Classes.CachedInputUsd).ToArray());
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Classes.CacheWriteInputUsd).ToArray());
                aggregates.Parameters.AddWithValue(groups.Select(g => g.Classes.ReasoningOutputUsd).ToArray());
                aggregates.Parameters.Add(Uuids(groups.Select(g => g.Key.Workspace)));
                await aggregates.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var skip = new NpgsqlCommand(
                "INSERT INTO cost_corrections (request_id, run_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT (request_id) DO NOTHING", connection, transaction);
            skip.Parameters.AddWithValue(counted.Select(c => c.Row.Id).ToArray());
            skip.Parameters.AddWithValue(runId);
            await skip.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var rows = new NpgsqlCommand("""
            UPDATE model_requests m
            SET input_cost_usd = x.ic, output_cost_usd = x.oc, cost_source = 'price_table', price_id = x.pid, xact_id = pg_current_xact_id()
            FROM unnest($1::uuid[], $2::numeric[], $3::numeric[], $4::bigint[]) AS x (id, ic, oc, pid)
            WHERE m.requested_at >= $5 AND m.requested_at < $6 AND m.id = x.id
            """, connection, transaction))
        {
            rows.Parameters.AddWithValue(changed.Select(c => c.Row.Id).ToArray());
            rows.Parameters.AddWithValue(changed.Select(c => c.Input!.Value).ToArray());
            rows.Parameters.AddWithValue(changed.Select(c => c.Output!.Value).ToArray());
            rows.Parameters.AddWithValue(changed.Select(c => c.PriceId!.Value).ToArray());
            rows.Parameters.AddWithValue(lo);
            rows.Parameters.AddWithValue(hi);
            var updated = await rows.ExecuteNonQueryAsync(cancellationToken);
            if (updated != changed.Count)
                throw new InvalidOperationException($"reprice run {runId}: {updated} of {changed.Count} changed rows were found again; the chunk is rolled back");
        }

        await using var touched = new NpgsqlCommand("""
            INSERT INTO reprice_run_sessions (run_id, session_id, project_id)
            SELECT DISTINCT $1::uuid, s, p FROM unnest($2::uuid[], $3::uuid[]) AS x (s, p)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        touched.Parameters.AddWithValue(runId);
        touched.Parameters.AddWithValue(inSessions.Select(c => c.Row.SessionId!.Value).ToArray());
        touched.Parameters.Add(Uuids(inSessions.Select(c => c.Row.ProjectId)));
        await touched.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Uuids(IEnumerable<Guid?> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
    private static NpgsqlParameter Texts(IEnumerable<string?> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
