using Npgsql;

namespace LatticeLock.Storage.Migrations;

/// <summary>
/// Applies and reverts <see cref="MigrationCatalog"/> migrations. Each step runs in its own transaction together with
/// its row in <c>schema_migrations</c>; a session advisory lock keeps concurrent runners (several silos, CLI) apart.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource)
{
    public const string VersionTable = "schema_migrations";
    private const long AdvisoryLockKey = 0x4C61747469636531; // "Lattice1"

    public IReadOnlyList<Migration> Migrations { get; init; } = MigrationCatalog.All;

    public async Task<IReadOnlyList<MigrationState>> StatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await VersionTableExistsAsync(connection, cancellationToken)
            ? await AppliedAsync(connection, cancellationToken)
            : [];
        return Migrations.Select(m => new MigrationState(m.Version, m.Name, applied.GetValueOrDefault(m.Version))).ToList();
    }

    /// <summary>The highest applied version (0 when none).</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await VersionTableExistsAsync(connection, cancellationToken)) return 0;
        await using var max = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {VersionTable}", connection);
        return (int)(await max.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Applies pending migrations up to <paramref name="target"/> (default: head). Returns the steps applied.</summary>
    public async Task<int> UpAsync(int? target = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var to = target ?? Migrations[^1].Version;
        if (to < 0 || to > Migrations[^1].Version)
            throw new ArgumentOutOfRangeException(nameof(target), $"target must be between 0 and {Migrations[^1].Version}");
        return await RunLockedAsync(async (connection, applied) =>
        {
            var pending = Migrations.Where(m => m.Version <= to && !applied.ContainsKey(m.Version)).ToList();
            for (var i = 0; i < pending.Count; i++)
            {
                progress?.Report(new MigrationProgress(i + 1, pending.Count, pending[i], MigrationDirection.Up));
                await ApplyAsync(connection, pending[i], MigrationDirection.Up, cancellationToken);
            }
            return pending.Count;
        }, cancellationToken);
    }

    /// <summary>Reverts applied migrations above <paramref name="target"/>, newest first. <c>0</c> leaves only the version table.</summary>
    public async Task<int> DownAsync(int target, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (target < 0) throw new ArgumentOutOfRangeException(nameof(target), "target must be >= 0");
        return await RunLockedAsync(async (connection, applied) =>
        {
            var toRevert = Migrations.Where(m => m.Version > target && applied.ContainsKey(m.Version)).OrderByDescending(m => m.Version).ToList();
            for (var i = 0; i < toRevert.Count; i++)
            {
                progress?.Report(new MigrationProgress(i + 1, toRevert.Count, toRevert[i], MigrationDirection.Down));
                await ApplyAsync(connection, toRevert[i], MigrationDirection.Down, cancellationToken);
            }
            return toRevert.Count;
        }, cancellationToken);
    }

    private async Task<int> RunLockedAsync(Func<NpgsqlConnection, Dictionary<int, DateTimeOffset?>, Task<int>> run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", connection))
        {
            lockCommand.Parameters.AddWithValue("k", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await EnsureVersionTableAsync(connection, cancellationToken);
            return await run(connection, await AppliedAsync(connection, cancellationToken));
        }
        finally
        {
            // A broken connection releases the session lock by itself; never let the unlock hide the real error.
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", connection);
                unlock.Parameters.AddWithValue("k", AdvisoryLockKey);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
            }
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, Migration migration, MigrationDirection direction, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var body = new NpgsqlCommand(direction == MigrationDirection.Up ? migration.UpSql : migration.DownSql, connection, transaction))
            {
                await body.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var bookkeeping = direction == MigrationDirection.Up
                ? new NpgsqlCommand($"INSERT INTO {VersionTable} (version, name) VALUES (@v, @n)", connection, transaction)
                : new NpgsqlCommand($"DELETE FROM {VersionTable} WHERE version = @v", connection, transaction);
            bookkeeping.Parameters.AddWithValue("v", migration.Version);
            bookkeeping.Parameters.AddWithValue("n", migration.Name);
            await bookkeeping.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException(
                $"Migration {migration.Version:D4}_{migration.Name} ({direction.ToString().ToLowerInvariant()}) failed: {e.MessageText} (SQLSTATE {e.SqlState})", e);
        }
    }

    private static async Task<bool> VersionTableExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection);
        exists.Parameters.AddWithValue("t", VersionTable);
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task EnsureVersionTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {VersionTable} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<int, DateTimeOffset?>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT version, applied_at FROM {VersionTable}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, DateTimeOffset?>();
        while (await reader.ReadAsync(cancellationToken))
            applied[reader.GetInt32(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        return applied;
    }
}
