using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Storage.Audit;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Auth;

/// <summary>The <c>api_keys</c> table. Changes made here also NOTIFY <see cref="ChangeChannel"/> so silos drop cached keys.</summary>
public sealed class ApiKeyRepository(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>PostgreSQL channel carrying the prefix of every key that was revoked or changed.</summary>
    public const string ChangeChannel = "lattice_api_keys";

    /// <summary>Active keys (not revoked, not expired) a user may hold unless configured otherwise.</summary>
    public const int DefaultMaxActiveKeysPerUser = 100;

    private const string Columns = "id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at, created_by, rate_limit_per_second, max_concurrent_requests, workspace_id, minted_by";

    /// <summary>Active keys a workspace's admins may make for its members (<see cref="ApiKeyInfo.MintedBy"/>), across all of them.</summary>
    public const int MaxMintedKeysPerWorkspace = 1_000;

    /// <summary>
    /// Stores the key unless its user already holds <paramref name="maxActive"/> active keys of their own, or (a key a
    /// workspace admin makes for a member) the workspace holds <see cref="MaxMintedKeysPerWorkspace"/> such keys: then
    /// nothing is stored and <see cref="KeyQuotaExceededException"/> is thrown. The two quotas are apart, so an admin
    /// cannot use up a member's own. Keys of one quota are counted and inserted one at a time. The key's creation is
    /// audited (<paramref name="record"/>) in the same transaction.
    /// </summary>
    public Task InsertAsync(ApiKeyInfo key, byte[] keyHash, int maxActive, AuditRecord record, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
    {
        var minted = key.MintedBy is not null && key.WorkspaceId is not null;
        await using (var count = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            count.Parameters.AddWithValue(minted ? $"api_keys_minted:{key.WorkspaceId}" : $"api_keys:{key.UserId}");
            await count.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var active = new NpgsqlCommand(minted
            ? "SELECT count(*) FROM api_keys WHERE workspace_id = $1 AND minted_by IS NOT NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
            : "SELECT count(*) FROM api_keys WHERE user_id = $1 AND minted_by IS NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
            connection, transaction))
        {
            active.Parameters.AddWithValue(minted ? key.WorkspaceId!.Value : key.UserId);
            var held = (long)(await active.ExecuteScalarAsync(cancellationToken))!;
            var limit = minted ? MaxMintedKeysPerWorkspace : maxActive;
            if (held >= limit) throw new KeyQuotaExceededException(held, limit, minted);
        }
        await using var command = new NpgsqlCommand("""
            INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at, created_by,
                                  rate_limit_per_second, max_concurrent_requests, workspace_id, minted_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """, connection, transaction);
        command.Parameters.AddWithValue(key.Id);
        command.Parameters.AddWithValue(key.UserId);
        command.Parameters.AddWithValue(key.Name);
        command.Parameters.AddWithValue(key.Prefix);
        command.Parameters.AddWithValue(keyHash);
        command.Parameters.AddWithValue(key.Scopes.ToArray());
        command.Parameters.AddWithValue(key.CreatedAt);
        command.Parameters.AddWithValue((object?)key.ExpiresAt ?? DBNull.Value);
        command.Parameters.AddNullable(key.CreatedBy, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(key.RateLimitPerSecond, NpgsqlDbType.Integer);
        command.Parameters.AddNullable(key.MaxConcurrentRequests, NpgsqlDbType.Integer);
        command.Parameters.AddNullable(key.WorkspaceId, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(key.MintedBy, NpgsqlDbType.Uuid);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (true, true);
    }, record, cancellationToken);

    /// <summary>The key, its hash, and whether its owner has been deleted (which disables the key).</summary>
    public async Task<(ApiKeyInfo Key, byte[] Hash, bool OwnerDeleted)?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns}, key_hash, (SELECT u.is_deleted FROM users u WHERE u.id = api_keys.user_id) FROM api_keys WHERE prefix = $1");
        command.Parameters.AddWithValue(prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (Read(reader), reader.GetFieldValue<byte[]>(14), reader.GetBoolean(15));
    }

    public async Task<ApiKeyInfo?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM api_keys WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Keys, oldest first: of one user and/or bound to one workspace (null: any).</summary>
    public async Task<List<ApiKeyInfo>> ListAsync(Guid? userId, Guid? workspaceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM api_keys WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR workspace_id = $2) ORDER BY created_at, id");
        command.Parameters.AddNullable(userId, NpgsqlDbType.Uuid);
        command.Parameters.AddNullable(workspaceId, NpgsqlDbType.Uuid);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken)) keys.Add(Read(reader));
        return keys;
    }

    /// <summary>
    /// Revokes the key and every key made from it, at any depth (keys already revoked stay as they were), and notifies
    /// every silo of each. Returns the prefixes revoked now or before, the key's own first; empty when the key is unknown.
    /// </summary>
    public async Task<List<string>> RevokeAsync(Guid id, DateTimeOffset at, AuditActor? actor, CancellationToken cancellationToken)
    {
        // Each key revoked now is audited in its workspace (its user's personal one when unbound), as key.create was.
        var revoked = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            await using var revoke = new NpgsqlCommand("""
                WITH RECURSIVE tree (id, depth) AS (
                    SELECT id, 0 FROM api_keys WHERE id = $1
                    UNION
                    SELECT k.id, t.depth + 1 FROM api_keys k JOIN tree t ON k.created_by = t.id
                ),
                fresh AS (
                    SELECT k.id FROM api_keys k JOIN tree t ON t.id = k.id WHERE k.revoked_at IS NULL
                )
                UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, $2)
                FROM (SELECT id, min(depth) AS depth FROM tree GROUP BY id) t
                WHERE k.id = t.id
                RETURNING k.prefix, t.depth, k.id, coalesce(k.workspace_id, k.user_id), k.id IN (SELECT id FROM fresh)
                """, connection, transaction);
            revoke.Parameters.AddWithValue(id);
            revoke.Parameters.AddWithValue(at);
            var rows = new List<(string Prefix, int Depth, Guid Id, Guid Workspace, bool Fresh)>();
            await using (var reader = await revoke.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetBoolean(4)));
            if (rows.Count == 0) return (rows, false);
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", connection, transaction);
            notify.Parameters.AddWithValue(ChangeChannel);
            notify.Parameters.AddWithValue(rows.Select(r => r.Prefix).ToArray());
            await notify.ExecuteNonQueryAsync(cancellationToken);
            return (rows, rows.Any(r => r.Fresh));
        }, rows => [.. rows.Where(r => r.Fresh).Select(r => new AuditRecord(r.Workspace, "key.revoke", "api_key", r.Id.ToString(),
            new { revoked_at = (DateTimeOffset?)null }, new { revoked_at = at, revoked_with = r.Depth == 0 ? null : (Guid?)id }, actor))], cancellationToken);
        return revoked.OrderBy(r => r.Depth).Select(r => r.Prefix).ToList();
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
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetGuid(9),
        r.IsDBNull(10) ? null : r.GetInt32(10),
        r.IsDBNull(11) ? null : r.GetInt32(11),
        r.IsDBNull(12) ? null : r.GetGuid(12),
        r.IsDBNull(13) ? null : r.GetGuid(13));
}
