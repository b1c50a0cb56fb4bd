using LatticeLock.Grains.Abstractions.Prices;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Audit;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Prices;

/// <summary>
/// The <c>model_prices</c> table. Rows are never changed: setting a price for an existing effective date inserts a new
/// row and retires the one it replaces (superseded_at), so the row a request was priced from (its price_id) stays.
/// Lists show the current rows; <see cref="GetAsync"/> reads any row by id. A row with a workspace is that workspace's
/// override (<see cref="ModelPrice.WorkspaceId"/>): set, listed and retired apart from the platform's rows, and audited
/// in the workspace's chain.
/// </summary>
public sealed class PriceRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>Current override rows a workspace may hold (every silo keeps every current row in memory to price from).</summary>
    public const int MaxOverridesPerWorkspace = 1_000;

    private const string Columns = """
        id, provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from,
        cache_write_input_usd_per_mtok, reasoning_output_usd_per_mtok, long_context_threshold_tokens,
        long_context_input_usd_per_mtok, long_context_output_usd_per_mtok, batch_multiplier, flex_multiplier, priority_multiplier,
        cache_write_1h_input_usd_per_mtok, workspace_id
        """;

    /// <summary>
    /// Stores the price at its effective date (retiring a current one there, of the same workspace or the platform); the
    /// stored row, and whether the date was new. Audited with the row it replaced, in the override's workspace chain or
    /// the platform's (<see cref="AuditLog.PlatformWorkspace"/>).
    /// </summary>
    public async Task<(ModelPrice Price, bool Created)> SetAsync(ModelPrice price, AuditActor? actor, CancellationToken cancellationToken)
    {
        var (stored, replaced) = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var retire = new NpgsqlCommand($"""
                UPDATE model_prices SET superseded_at = now()
                WHERE provider = $1 AND model = $2 AND effective_from = $3 AND superseded_at IS NULL AND workspace_id IS NOT DISTINCT FROM $4
                RETURNING {Columns}
                """, connection, transaction);
            retire.Parameters.AddWithValue(price.Provider);
            retire.Parameters.AddWithValue(price.Model);
            retire.Parameters.AddWithValue(price.EffectiveFrom.ToUniversalTime());
            retire.Parameters.AddNullable(price.WorkspaceId, NpgsqlDbType.Uuid);
            ModelPrice? replaced = null;
            await using (var reader = await retire.ExecuteReaderAsync(cancellationToken))
                if (await reader.ReadAsync(cancellationToken)) replaced = Read(reader);
            if (price.WorkspaceId is { } workspaceId)
            {
                await RequireLiveWorkspaceAsync(connection, transaction, workspaceId, cancellationToken);
                if (replaced is null) await RequireRoomForOverrideAsync(connection, transaction, workspaceId, cancellationToken);
            }
            await using var insert = new NpgsqlCommand("""
                INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from,
                    cache_write_input_usd_per_mtok, reasoning_output_usd_per_mtok, long_context_threshold_tokens,
                    long_context_input_usd_per_mtok, long_context_output_usd_per_mtok, batch_multiplier, flex_multiplier, priority_multiplier,
                    cache_write_1h_input_usd_per_mtok, workspace_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                RETURNING id
                """, connection, transaction);
            insert.Parameters.AddWithValue(price.Provider);
            insert.Parameters.AddWithValue(price.Model);
            insert.Parameters.AddWithValue(price.InputUsdPerMtok);
            insert.Parameters.AddWithValue(price.OutputUsdPerMtok);
            insert.Parameters.AddNullable(price.CachedInputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddWithValue(price.EffectiveFrom.ToUniversalTime());
            insert.Parameters.AddNullable(price.CacheWriteInputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.ReasoningOutputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.LongContextThresholdTokens, NpgsqlDbType.Integer);
            insert.Parameters.AddNullable(price.LongContextInputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.LongContextOutputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.BatchMultiplier, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.FlexMultiplier, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.PriorityMultiplier, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.CacheWrite1hInputUsdPerMtok, NpgsqlDbType.Numeric);
            insert.Parameters.AddNullable(price.WorkspaceId, NpgsqlDbType.Uuid);
            var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            return ((Stored: price with { Id = id }, Replaced: replaced), true);
        }, set => new AuditRecord(price.WorkspaceId ?? AuditLog.PlatformWorkspace, "price.set", "model_price", set.Stored.Id.ToString(CultureInfo.InvariantCulture),
            set.Replaced, set.Stored, actor), cancellationToken);
        return (stored, replaced is null);
    }

    /// <summary>
    /// The current prices of the platform (<paramref name="workspaceId"/> null) or the workspace's overrides, optionally
    /// of one provider and/or model, oldest first per model.
    /// </summary>
    public Task<List<ModelPrice>> ListAsync(string? provider, string? model, Guid? workspaceId, CancellationToken cancellationToken) =>
        ReadCurrentAsync(provider, model, workspaceId, everyWorkspace: false, cancellationToken);

    /// <summary>Every current row, the platform's and every live workspace's overrides: what a reprice prices from.</summary>
    public Task<List<ModelPrice>> ListForPricingAsync(string? provider, string? model, CancellationToken cancellationToken) =>
        ReadCurrentAsync(provider, model, null, everyWorkspace: true, cancellationToken);

    /// <summary>
    /// Retires every current override of the model in the workspace (its requests are priced from the platform's rows
    /// again); how many were retired (0: there was none). Audited in the workspace's chain with the rows retired.
    /// </summary>
    public async Task<int> RemoveOverrideAsync(Guid workspaceId, string provider, string model, AuditActor? actor, CancellationToken cancellationToken)
    {
        var retired = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var retire = new NpgsqlCommand($"""
                UPDATE model_prices SET superseded_at = now()
                WHERE workspace_id = $1 AND provider = $2 AND model = $3 AND superseded_at IS NULL
                RETURNING {Columns}
                """, connection, transaction);
            retire.Parameters.AddWithValue(workspaceId);
            retire.Parameters.AddWithValue(provider);
            retire.Parameters.AddWithValue(model);
            var rows = new List<ModelPrice>();
            await using (var reader = await retire.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
            return (rows, rows.Count > 0);
        }, rows => new AuditRecord(workspaceId, "price.remove", "model_price", $"{provider}/{model}", rows, null, actor), cancellationToken);
        return retired.Count;
    }

    /// <summary>An override goes only to a workspace that exists and is not deleted (NotFoundException), held so it is not deleted meanwhile.</summary>
    private static async Task RequireLiveWorkspaceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var live = new NpgsqlCommand("SELECT deleted_at IS NULL FROM workspaces WHERE id = $1 FOR SHARE", connection, transaction);
        live.Parameters.AddWithValue(workspaceId);
        if (await live.ExecuteScalarAsync(cancellationToken) is not true) throw new NotFoundException("workspace", workspaceId);
    }

    /// <summary>A new override row fits the workspace's limit (409 naming <c>effective_from</c> otherwise); one workspace's overrides are counted one at a time.</summary>
    private static async Task RequireRoomForOverrideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken cancellationToken)
    {
        await using (var serialize = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('model_prices:' || $1::text, 0))", connection, transaction))
        {
            serialize.Parameters.AddWithValue(workspaceId);
            await serialize.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var count = new NpgsqlCommand("SELECT count(*) FROM model_prices WHERE workspace_id = $1 AND superseded_at IS NULL", connection, transaction);
        count.Parameters.AddWithValue(workspaceId);
        var held = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        if (held >= MaxOverridesPerWorkspace)
            throw new ConflictException("effective_from",
                $"workspace {workspaceId} holds {held} current price overrides, the limit is {MaxOverridesPerWorkspace}; remove overrides of a model first");
    }

    private async Task<List<ModelPrice>> ReadCurrentAsync(string? provider, string? model, Guid? workspaceId, bool everyWorkspace, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns}
            FROM model_prices
            WHERE superseded_at IS NULL AND ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR model = $2)
              AND ($4 OR workspace_id IS NOT DISTINCT FROM $3)
              AND (workspace_id IS NULL OR NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = model_prices.workspace_id AND w.deleted_at IS NOT NULL))
            ORDER BY workspace_id NULLS FIRST, provider, model, effective_from
            """);
        command.Parameters.AddNullable(provider, NpgsqlDbType.Text);
        command.Parameters.AddNullable(model, NpgsqlDbType.Text);
        command.Parameters.AddNullable(workspaceId, NpgsqlDbType.Uuid);
        command.Parameters.AddWithValue(everyWorkspace);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var prices = new List<ModelPrice>();
        while (await reader.ReadAsync(cancellationToken)) prices.Add(Read(reader));
        return prices;
    }

    /// <summary>The price row <paramref name="id"/>, current or retired; null when there is none.</summary>
    public async Task<ModelPrice?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM model_prices WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static ModelPrice Read(NpgsqlDataReader r) =>
        new(r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), Decimal(r, 5), r.GetFieldValue<DateTimeOffset>(6))
        {
            Id = r.GetInt64(0),
            CacheWriteInputUsdPerMtok = Decimal(r, 7),
            ReasoningOutputUsdPerMtok = Decimal(r, 8),
            LongContextThresholdTokens = r.IsDBNull(9) ? null : r.GetInt32(9),
            LongContextInputUsdPerMtok = Decimal(r, 10),
            LongContextOutputUsdPerMtok = Decimal(r, 11),
            BatchMultiplier = Decimal(r, 12),
            FlexMultiplier = Decimal(r, 13),
            PriorityMultiplier = Decimal(r, 14),
            CacheWrite1hInputUsdPerMtok = Decimal(r, 15),
            WorkspaceId = r.IsDBNull(16) ? null : r.GetGuid(16),
        };

    private static decimal? Decimal(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDecimal(ordinal);
}
