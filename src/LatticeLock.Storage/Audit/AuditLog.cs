using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Storage.Commits;
using LatticeLock.Storage.Workspaces;
using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Audit;

/// <summary>
/// The tamper-evident audit log (<c>audit_logs</c>), one hash chain per workspace. A change and its audit row commit
/// in one transaction (<see cref="WithAuditAsync{T}"/>), so nothing is changed unrecorded and nothing recorded that
/// did not happen. Appends to one workspace are serialized by a transaction-scoped advisory lock, which gives each row
/// the next seq and the previous row's hash. The table refuses UPDATE, DELETE and TRUNCATE (a trigger); anyone who
/// gets past that (a superuser disabling it) is caught by <see cref="VerifyAsync"/>.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MaxPage = 500;

    /// <summary>
    /// The platform workspace (migration 33): the chain of what belongs to no workspace (model prices, an operator's
    /// requests with an <c>admin</c> key). It has no members; operators read and verify it like any other.
    /// </summary>
    public static readonly Guid PlatformWorkspace = new("00000000-0000-0000-0000-000000000001");

    /// <summary>Appends records of what happened outside the database (an operator's requests), in one transaction.</summary>
    public Task RecordAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken) =>
        WithAuditAsync((_, _) => Task.FromResult((true, true)), _ => records, cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> in a transaction; when it changed something, appends <paramref name="record"/>
    /// in the same transaction. Commits confirmed (a write that changed nothing passes the synchronous barrier, so a
    /// repeat is answered only once a standby holds what it found).
    /// </summary>
    public Task<T> WithAuditAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<(T Result, bool Changed)>> write, AuditRecord record,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return WithAuditAsync(write, _ => record, cancellationToken);
    }

    /// <summary><see cref="WithAuditAsync{T}(Func{NpgsqlConnection, NpgsqlTransaction, Task{ValueTuple{T, bool}}}, AuditRecord, CancellationToken)"/> with the record made from what the write found (its values before and after).</summary>
    public Task<T> WithAuditAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<(T Result, bool Changed)>> write, Func<T, AuditRecord> recordOf,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recordOf);
        return WithAuditAsync(write, result => [recordOf(result)], cancellationToken);
    }

    /// <summary>
    /// As above, for a write that changes several things at once (a key and the keys made from it): one record each,
    /// appended in workspace order, so two such writes never wait for each other's chains in opposite orders.
    /// </summary>
    public async Task<T> WithAuditAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<(T Result, bool Changed)>> write,
        Func<T, IReadOnlyList<AuditRecord>> recordsOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(recordsOf);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (result, changed) = await write(connection, transaction);
        if (changed)
        {
            foreach (var record in recordsOf(result).OrderBy(r => r.WorkspaceId))
                await AppendAsync(connection, transaction, record, cancellationToken);
        }
        else
        {
            await SynchronousBarrier.MarkAsync(connection, transaction, cancellationToken);
        }
        await ConfirmedCommit.CommitAsync(transaction, dataSource.ConnectionString, cancellationToken);
        return result;
    }

    private async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditRecord record, CancellationToken cancellationToken)
    {
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('audit:' || $1::text))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue(record.WorkspaceId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        long seq = 1;
        var prev = AuditHash.Genesis;
        await using (var last = new NpgsqlCommand("SELECT seq, hash FROM audit_logs WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1", connection, transaction))
        {
            last.Parameters.AddWithValue(record.WorkspaceId);
            await using var reader = await last.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                seq = reader.GetInt64(0) + 1;
                prev = reader.GetFieldValue<byte[]>(1);
            }
        }
        var actor = record.Actor;
        var entry = new AuditEntry(record.WorkspaceId, seq, AuditHash.ToMicroseconds(clock.GetUtcNow()), actor?.UserId, actor?.KeyId, record.Action,
            record.ResourceType, record.ResourceId, AuditHash.Changes(record.Old, record.New), Bounded(actor?.Ip, 64), Bounded(actor?.UserAgent, 512),
            record.Status, prev, []);
        entry = entry with { Hash = AuditHash.Of(entry) };
        await using var insert = new NpgsqlCommand("""
            INSERT INTO audit_logs (workspace_id, seq, at, actor_user_id, actor_key_id, action, resource_type, resource_id, changes,
                                    ip, user_agent, status, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14)
            """, connection, transaction);
        insert.Parameters.AddWithValue(entry.WorkspaceId);
        insert.Parameters.AddWithValue(entry.Seq);
        insert.Parameters.AddWithValue(entry.At);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = (object?)entry.ActorUserId ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = (object?)entry.ActorKeyId ?? DBNull.Value });
        insert.Parameters.AddWithValue(entry.Action);
        insert.Parameters.AddWithValue(entry.ResourceType);
        insert.Parameters.AddWithValue(entry.ResourceId);
        insert.Parameters.AddWithValue(entry.ChangesJson);
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)entry.Ip ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)entry.UserAgent ?? DBNull.Value });
        insert.Parameters.AddWithValue((short)entry.Status);
        insert.Parameters.AddWithValue(entry.PrevHash);
        insert.Parameters.AddWithValue(entry.Hash);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A page of a workspace's log in seq order after <paramref name="afterSeq"/>, filtered by time, actor and action.</summary>
    public Task<List<AuditEntry>> ReadAsync(WorkspaceReadScope scope, Guid workspaceId, DateTimeOffset? from, DateTimeOffset? to, Guid? actor,
        string? action, long afterSeq, int limit, CancellationToken cancellationToken) =>
        WorkspaceWall.ReadAsync(dataSource, scope, connection => ReadAsync(connection, workspaceId, from, to, actor, action, afterSeq, limit, cancellationToken),
            cancellationToken);

    private static async Task<List<AuditEntry>> ReadAsync(NpgsqlConnection connection, Guid workspaceId, DateTimeOffset? from, DateTimeOffset? to,
        Guid? actor, string? action, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Select + """
             WHERE workspace_id = $1 AND seq > $2 AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
               AND ($5::uuid IS NULL OR actor_user_id = $5) AND ($6::text IS NULL OR action = $6)
             ORDER BY seq LIMIT $7
            """, connection);
        command.Parameters.AddWithValue(workspaceId);
        command.Parameters.AddWithValue(afterSeq);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)from ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)to ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = (object?)actor ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)action ?? DBNull.Value });
        command.Parameters.AddWithValue(Math.Clamp(limit, 1, MaxPage));
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Recomputes the chain of one workspace from its first row, a page at a time: the number of rows that verify, and
    /// the seq of the first row that does not (a changed row, a removed or reordered one, a hash that does not follow).
    /// </summary>
    public async Task<(long Verified, long? FirstBroken, string? Reason)> VerifyAsync(Guid workspaceId, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var prev = AuditHash.Genesis;
        long expected = 1;
        while (true)
        {
            await using var command = dataSource.CreateCommand(Select + " WHERE workspace_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3");
            command.Parameters.AddWithValue(workspaceId);
            command.Parameters.AddWithValue(expected);
            command.Parameters.AddWithValue(MaxPage);
            var page = await ReadAllAsync(command, cancellationToken);
            if (page.Count == 0) return (expected - 1, null, null);
            foreach (var e in page)
            {
                if (e.Seq != expected) return (expected - 1, expected, $"row {expected} is missing (the next row is {e.Seq})");
                if (!e.PrevHash.AsSpan().SequenceEqual(prev)) return (expected - 1, e.Seq, "its prev_hash is not the previous row's hash");
                if (!AuditHash.Of(e).AsSpan().SequenceEqual(e.Hash)) return (expected - 1, e.Seq, "its content does not match its hash");
                prev = e.Hash;
                expected++;
            }
            progress?.Report(expected - 1);
        }
    }

    private const string Select = """
        SELECT workspace_id, seq, at, actor_user_id, actor_key_id, action, resource_type, resource_id, changes::text, ip, user_agent,
               status, prev_hash, hash FROM audit_logs
        """;

    private static async Task<List<AuditEntry>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetGuid(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetString(5), reader.GetString(6),
                reader.GetString(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetInt16(11), reader.GetFieldValue<byte[]>(12), reader.GetFieldValue<byte[]>(13)));
        }
        return entries;
    }

    private static string? Bounded(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..max];
}
