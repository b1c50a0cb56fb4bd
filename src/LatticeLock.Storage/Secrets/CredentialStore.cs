using System.Security.Cryptography;
using System.Text;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Storage.Audit;
using LatticeLock.Storage.Workspaces;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Secrets;

/// <summary>A stored credential as lists show it: never the secret, only its last four characters.</summary>
public sealed record CredentialInfo(string Name, string Provider, string LastFour, string MetadataJson, DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt);

/// <summary>
/// Provider credentials of a workspace (<c>workspace_credentials</c>), sealed under the workspace's data key, which is
/// sealed under the <see cref="MasterKey"/>. Every change and every reveal commits with its audit row; no secret is
/// written anywhere in plaintext (the audit rows hold the masked form).
/// </summary>
public sealed class CredentialStore(NpgsqlDataSource dataSource, AuditLog audit)
{
    public const int MaxPerWorkspace = 100, MaxSecretBytes = 8192, MaxMetadataBytes = 4096;

    /// <summary>Stores or replaces the credential; true when it is new.</summary>
    public async Task<(CredentialInfo Info, bool Created)> PutAsync(MasterKey master, Guid workspaceId, string name, string provider, string secret,
        string? metadataJson, AuditActor? actor, CancellationToken cancellationToken)
    {
        var (before, after) = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            var dataKey = await DataKeyAsync(connection, transaction, master, workspaceId, create: true, cancellationToken);
            var existing = await FindAsync(connection, transaction, workspaceId, name, cancellationToken);
            if (existing is null && await CountAsync(connection, transaction, workspaceId, cancellationToken) >= MaxPerWorkspace)
                throw new ConflictException("name", $"workspace {workspaceId} holds {MaxPerWorkspace} credentials, the limit; delete one first");
            var sealedSecret = Sealing.Seal(dataKey, Encoding.UTF8.GetBytes(secret), SecretContext(workspaceId, name));
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO workspace_credentials (workspace_id, name, provider, sealed_secret, last_four, metadata)
                VALUES ($1, $2, $3, $4, $5, coalesce($6, '{}'::jsonb))
                ON CONFLICT (workspace_id, name) DO UPDATE SET provider = excluded.provider, sealed_secret = excluded.sealed_secret,
                    last_four = excluded.last_four, metadata = excluded.metadata, rotated_at = now()
                RETURNING metadata::text, created_at, rotated_at
                """, connection, transaction);
            upsert.Parameters.AddWithValue(workspaceId);
            upsert.Parameters.AddWithValue(name);
            upsert.Parameters.AddWithValue(provider);
            upsert.Parameters.AddWithValue(sealedSecret);
            upsert.Parameters.AddWithValue(LastFour(secret));
            upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)metadataJson ?? DBNull.Value });
            await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var saved = new CredentialInfo(name, provider, LastFour(secret), reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
            return ((Before: existing, After: saved), true);
        }, r => new AuditRecord(workspaceId, "credential.set", "credential", name, r.Before, r.After, actor), cancellationToken);
        return (after, before is null);
    }

    /// <summary>The workspace's credentials, masked, by name.</summary>
    /// <summary>The workspace's credentials, masked; read behind the workspace wall for <paramref name="scope"/> (row-level security).</summary>
    public Task<IReadOnlyList<CredentialInfo>> ListAsync(Guid workspaceId, WorkspaceReadScope scope, CancellationToken cancellationToken) =>
        WorkspaceWall.ReadAsync<IReadOnlyList<CredentialInfo>>(dataSource, scope, async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT {Columns} FROM workspace_credentials WHERE workspace_id = $1 ORDER BY name", connection);
            command.Parameters.AddWithValue(workspaceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var list = new List<CredentialInfo>();
            while (await reader.ReadAsync(cancellationToken)) list.Add(Read(reader));
            return list;
        }, cancellationToken);

    /// <summary>The credential and its secret (404 when there is none); the reveal is audited in the same transaction.</summary>
    public Task<(CredentialInfo Info, string Secret)> RevealAsync(MasterKey master, Guid workspaceId, string name, AuditActor? actor, CancellationToken cancellationToken) =>
        audit.WithAuditAsync(async (connection, transaction) =>
        {
            var info = await FindAsync(connection, transaction, workspaceId, name, cancellationToken) ?? throw new NotFoundException($"credential '{name}' in workspace", workspaceId);
            var dataKey = await DataKeyAsync(connection, transaction, master, workspaceId, create: false, cancellationToken);
            await using var command = new NpgsqlCommand("SELECT sealed_secret FROM workspace_credentials WHERE workspace_id = $1 AND name = $2", connection, transaction);
            command.Parameters.AddWithValue(workspaceId);
            command.Parameters.AddWithValue(name);
            var sealedSecret = (byte[])(await command.ExecuteScalarAsync(cancellationToken))!;
            var secret = Encoding.UTF8.GetString(Sealing.Open(dataKey, sealedSecret, SecretContext(workspaceId, name)));
            return ((info, secret), true);
        }, new AuditRecord(workspaceId, "credential.reveal", "credential", name, null, null, actor), cancellationToken);

    /// <summary>Deletes the credential (audited); false when there was none.</summary>
    public async Task<bool> DeleteAsync(Guid workspaceId, string name, AuditActor? actor, CancellationToken cancellationToken)
    {
        var deleted = await audit.WithAuditAsync(async (connection, transaction) =>
        {
            var existing = await FindAsync(connection, transaction, workspaceId, name, cancellationToken);
            if (existing is null) return (existing, false);
            await using var command = new NpgsqlCommand("DELETE FROM workspace_credentials WHERE workspace_id = $1 AND name = $2", connection, transaction);
            command.Parameters.AddWithValue(workspaceId);
            command.Parameters.AddWithValue(name);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return (existing, true);
        }, existing => new AuditRecord(workspaceId, "credential.delete", "credential", name, existing, null, actor), cancellationToken);
        return deleted is not null;
    }

    /// <summary>The ids of the master keys that sealed the stored data keys (empty when no workspace has a credential yet).</summary>
    public async Task<IReadOnlyList<string>> MasterKeyIdsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT master_key_id FROM workspace_data_keys ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>
    /// Re-seals every workspace's data key under <paramref name="next"/> in one transaction, leaving every secret as it
    /// is; a data key <paramref name="current"/> does not open stops the whole rotation, naming its workspace.
    /// </summary>
    public async Task<int> RotateMasterAsync(MasterKey current, MasterKey next, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sealedKeys = new List<(Guid Workspace, byte[] Sealed)>();
        await using (var select = new NpgsqlCommand("SELECT workspace_id, sealed_key FROM workspace_data_keys ORDER BY workspace_id FOR UPDATE", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) sealedKeys.Add((reader.GetGuid(0), reader.GetFieldValue<byte[]>(1)));
        var done = 0;
        foreach (var (workspace, sealedKey) in sealedKeys)
        {
            var dataKey = OpenDataKey(current, workspace, sealedKey);
            await using var update = new NpgsqlCommand("UPDATE workspace_data_keys SET sealed_key = $2, master_key_id = $3, rotated_at = now() WHERE workspace_id = $1",
                connection, transaction);
            update.Parameters.AddWithValue(workspace);
            update.Parameters.AddWithValue(Sealing.Seal(next.Key, dataKey, DataKeyContext(workspace)));
            update.Parameters.AddWithValue(next.Id);
            await update.ExecuteNonQueryAsync(cancellationToken);
            CryptographicOperations.ZeroMemory(dataKey);
            progress?.Report(++done);
        }
        await Commits.ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, cancellationToken);
        return done;
    }

    private const string Columns = "name, provider, last_four, metadata::text, created_at, rotated_at";

    private static CredentialInfo Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5));

    private static async Task<CredentialInfo?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, string name,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM workspace_credentials WHERE workspace_id = $1 AND name = $2 FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM workspace_credentials WHERE workspace_id = $1", connection, transaction);
        command.Parameters.AddWithValue(workspaceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The workspace's data key, opened; made (and sealed under the master key) on first use when <paramref name="create"/>.</summary>
    private static async Task<byte[]> DataKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MasterKey master, Guid workspaceId, bool create,
        CancellationToken cancellationToken)
    {
        if (create)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO workspace_data_keys (workspace_id, sealed_key, master_key_id) VALUES ($1, $2, $3) ON CONFLICT (workspace_id) DO NOTHING
                """, connection, transaction);
            var fresh = RandomNumberGenerator.GetBytes(32);
            insert.Parameters.AddWithValue(workspaceId);
            insert.Parameters.AddWithValue(Sealing.Seal(master.Key, fresh, DataKeyContext(workspaceId)));
            insert.Parameters.AddWithValue(master.Id);
            var made = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
            if (made) return fresh;
            CryptographicOperations.ZeroMemory(fresh);
        }
        await using var select = new NpgsqlCommand("SELECT sealed_key FROM workspace_data_keys WHERE workspace_id = $1", connection, transaction);
        select.Parameters.AddWithValue(workspaceId);
        var sealedKey = await select.ExecuteScalarAsync(cancellationToken) as byte[] ?? throw new NotFoundException("credential key of workspace", workspaceId);
        return OpenDataKey(master, workspaceId, sealedKey);
    }

    private static byte[] OpenDataKey(MasterKey master, Guid workspaceId, byte[] sealedKey)
    {
        try
        {
            return Sealing.Open(master.Key, sealedKey, DataKeyContext(workspaceId));
        }
        catch (CryptographicException)
        {
            throw new MasterKeyMismatchException(workspaceId, master.Id);
        }
    }

    private static byte[] DataKeyContext(Guid workspaceId) => Encoding.ASCII.GetBytes($"latticelock data key\n{workspaceId}");

    private static byte[] SecretContext(Guid workspaceId, string name) => Encoding.UTF8.GetBytes($"latticelock credential\n{workspaceId}\n{name}");

    /// <summary>What lists show of a secret: its last four characters (fewer for a secret of eight characters or less, none under four).</summary>
    public static string LastFour(string secret) => secret.Length switch
    {
        < 4 => "",
        <= 8 => secret[^2..],
        _ => secret[^4..],
    };
}
