using LatticeLock.Grains.Abstractions.Prices;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Prices;

/// <summary>The <c>model_prices</c> table: history is kept; setting a price for an existing effective date replaces it.</summary>
public sealed class PriceRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Inserts or replaces the price at its effective date; true when it was new.</summary>
    public async Task<bool> SetAsync(ModelPrice price, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO model_prices (provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (provider, model, effective_from) DO UPDATE
               SET input_usd_per_mtok = excluded.input_usd_per_mtok, output_usd_per_mtok = excluded.output_usd_per_mtok,
                   cached_input_usd_per_mtok = excluded.cached_input_usd_per_mtok
            RETURNING (xmax = 0)
            """);
        command.Parameters.AddWithValue(price.Provider);
        command.Parameters.AddWithValue(price.Model);
        command.Parameters.AddWithValue(price.InputUsdPerMtok);
        command.Parameters.AddWithValue(price.OutputUsdPerMtok);
        command.Parameters.AddWithValue((object?)price.CachedInputUsdPerMtok ?? DBNull.Value);
        command.Parameters.AddWithValue(price.EffectiveFrom.ToUniversalTime());
        return (bool)(await ConfirmedCommit.ExecuteScalarAsync(command, dataSource.ConnectionString, cancellationToken))!;
    }

    /// <summary>All prices (optionally of one provider and/or model), oldest first per model.</summary>
    public async Task<List<ModelPrice>> ListAsync(string? provider, string? model, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT provider, model, input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, effective_from
            FROM model_prices
            WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR model = $2)
            ORDER BY provider, model, effective_from
            """);
        command.Parameters.AddNullable(provider, NpgsqlDbType.Text);
        command.Parameters.AddNullable(model, NpgsqlDbType.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var prices = new List<ModelPrice>();
        while (await reader.ReadAsync(cancellationToken))
        {
            prices.Add(new ModelPrice(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetDecimal(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return prices;
    }
}
