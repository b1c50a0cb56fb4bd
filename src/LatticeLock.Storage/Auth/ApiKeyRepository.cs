using LatticeLock.Grains.Abstractions.Auth;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Auth;

/// <summary>The <c>api_keys</c> table. Changes made here also NOTIFY <see cref="ChangeChannel"/> so silos drop cached keys.</summary>
public sealed class ApiKeyRepository(NpgsqlDataSource dataSource)
{
    /// <summary>PostgreSQL channel carrying the prefix of every key that was revoked or changed.</summary>
    public const string ChangeChannel = "lattice_api_keys";

    private const string Columns = "id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at";

    public async Task InsertAsync(ApiKeyInfo key, byte[] keyHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        command.Parameters.AddWithValue(key.Id);
        command.Parameters.AddWithValue(key.UserId);
        command.Parameters.AddWithValue(key.Name);
        command.Parameters.AddWithValue(key.Prefix);
        command.Parameters.AddWithValue(keyHash);
        command.Parameters.AddWithValue(key.Scopes.ToArray());
        command.Parameters.AddWithValue(key.CreatedAt);
        command.Parameters.AddWithValue((object?)key.ExpiresAt ?? DBNull.Value);
        await ConfirmedCommit.ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken);
    }

    /// <summary>The key, its hash, and whether its owner has been deleted (which disables the key).</summary>
    public async Task<(ApiKeyInfo Key, byte[] Hash, bool OwnerDeleted)?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, key_hash, (SELECT u.is_deleted FROM users u WHERE u.id = api_keys.user_id) FROM api_keys WHERE prefix = $1");
        command.Parameters.AddWithValue(prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (Read(reader), reader.GetFieldValue<byte[]>(9), reader.GetBoolean(10));
    }

    public async Task<ApiKeyInfo?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<List<ApiKeyInfo>> ListAsync(Guid? userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM api_keys WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY created_at, id");
        command.Parameters.AddNullable(userId, NpgsqlDbType.Uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken)) keys.Add(Read(reader));
        return keys;
    }

    /// <summary>Revokes the key (no-op when already revoked) and notifies every silo. Returns its prefix, or null when unknown.</summary>
    public async Task<string?> RevokeAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var revoke = new NpgsqlCommand(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING prefix", connection, transaction);
        revoke.Parameters.AddWithValue(id);
        revoke.Parameters.AddWithValue(at);
        if (await revoke.ExecuteScalarAsync(cancellationToken) is not string prefix) return null;
        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction);
        notify.Parameters.AddWithValue(ChangeChannel);
        notify.Parameters.AddWithValue(prefix);
        await notify.ExecuteNonQueryAsync(cancellationToken);
        await ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, cancellationToken);
        return prefix;
    }

    /// <summary>One write for many keys' last-use times; never moves a time backwards.</summary>
    public async Task RecordLastUsedAsync(string prefix, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, $2), $2) WHERE prefix = $1");
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApiKeyInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetFieldValue<string[]>(4),
        r.GetFieldValue<DateTimeOffset>(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
}
