using LatticeLock.Grains.Abstractions.Prices;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Storage.Audit;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Prices;

/// <summary>
/// The <c>model_prices</c> table. Rows are never changed: setting a price for an existing effective date inserts a new
/// row and retires the one it replaces (superseded_at), so the row a request was priced from (its price_id) stays.
/// Lists show the current rows; <see cref="GetAsync"/> reads any row by id.
/// </summary>
public sealed class PriceRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    private const string Columns = """
        id, provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from,
        cache_write_input_usd_per_mtok, reasoning_output_usd_per_mtok, long_context_threshold_tokens,
        long_context_input_usd_per_mtok, long_context_output_usd_per_mtok, batch_multiplier, flex_multiplier, priority_multiplier,
        cache_write_1h_input_usd_per_mtok
        """;

    /// <summary>
    /// Stores the price at its effective date (retiring a current one there); the stored row, and whether the date was
    /// new. Audited in the platform's chain (<see cref="AuditLog.PlatformWorkspace"/>) with the row it replaced.
    /// </summary>
    public async Task<(ModelPrice Price, bool Created)> SetAsync(ModelPrice price, AuditActor? actor, CancellationToken cancellationToken)
    {
        var (stored, replaced) = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var retire = new NpgsqlCommand($"""
                UPDATE model_prices SET superseded_at = now()
                WHERE provider = $1 AND model = $2 AND effective_from = $3 AND superseded_at IS NULL
                RETURNING {Columns}
                """, connection, transaction);
            retire.Parameters.AddWithValue(price.Provider);
            retire.Parameters.AddWithValue(price.Model);
            retire.Parameters.AddWithValue(price.EffectiveFrom.ToUniversalTime());
            ModelPrice? replaced = null;
            await using (var reader = await retire.ExecuteReaderAsync(cancellationToken))
                if (await reader.ReadAsync(cancellationToken)) replaced = Read(reader);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from,
                    cache_write_input_usd_per_mtok, reasoning_output_usd_per_mtok, long_context_threshold_tokens,
                    long_context_input_usd_per_mtok, long_context_output_usd_per_mtok, batch_multiplier, flex_multiplier, priority_multiplier,
                    cache_write_1h_input_usd_per_mtok)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
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
            var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            return ((Stored: price with { Id = id }, Replaced: replaced), true);
        }, set => new AuditRecord(AuditLog.PlatformWorkspace, "price.set", "model_price", set.Stored.Id.ToString(CultureInfo.InvariantCulture),
            set.Replaced, set.Stored, actor), cancellationToken);
        return (stored, replaced is null);
    }

    /// <summary>The current prices (optionally of one provider and/or model), oldest first per model.</summary>
    public async Task<List<ModelPrice>> ListAsync(string? provider, string? model, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns}
            FROM model_prices
            WHERE superseded_at IS NULL AND ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR model = $2)
            ORDER BY provider, model, effective_from
            """);
        command.Parameters.AddNullable(provider, NpgsqlDbType.Text);
        command.Parameters.AddNullable(model, NpgsqlDbType.Text);
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
        };

    private static decimal? Decimal(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDecimal(ordinal);
}
