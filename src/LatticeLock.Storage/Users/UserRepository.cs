using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Storage.Commits;
using Npgsql;

namespace LatticeLock.Storage.Users;

/// <summary>
/// The <c>users</c> table, the one store of a user. The case-insensitive unique index on email is what makes emails
/// unique across the cluster; the version column makes a write from a stale activation fail instead of overwriting.
/// </summary>
public sealed class UserRepository(NpgsqlDataSource dataSource)
{
    private const string EmailIndex = "ux_users_email_ci";

    /// <summary>
    /// Inserts the user at version 1 with its personal workspace (id = the user's id, the user its owner), in one
    /// statement; false when a row with this id exists already (a retry or a race), once a synchronous standby holds
    /// that row too.
    /// </summary>
    public async Task<bool> InsertAsync(UserProfile user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH u AS (
                INSERT INTO users (id, email, name, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)
                ON CONFLICT (id) DO NOTHING RETURNING id),
            w AS (
                INSERT INTO workspaces (id, name, slug, personal_of, created_at, updated_at)
                SELECT id, 'Personal', 'u-' || replace(id::text, '-', ''), id, $4, $4 FROM u RETURNING id)
            INSERT INTO workspace_members (workspace_id, user_id, role, added_at) SELECT id, id, 'owner', $4 FROM w
            """);
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(user.Email);
        command.Parameters.AddWithValue((object?)user.Name ?? DBNull.Value);
        command.Parameters.AddWithValue(user.CreatedAt);
        try
        {
            return await ConfirmedCommit.InsertOnceAsync(command, dataSource, cancellationToken);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(EmailIndex))
        {
            throw EmailTaken(user.Email);
        }
    }

    /// <summary>The stored user (deleted or not), or null when there is no row.</summary>
    public async Task<StoredUser?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT email, name, created_at, updated_at, deleted_at, version FROM users WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new StoredUser(
            new UserProfile(id, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetInt32(5));
    }

    /// <summary>Writes email, name and updated_at if the row is still at <paramref name="expectedVersion"/>; false otherwise.</summary>
    public async Task<bool> UpdateAsync(UserProfile user, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE users SET email = $2, name = $3, updated_at = $4, version = version + 1 WHERE id = $1 AND version = $5 AND NOT is_deleted");
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(user.Email);
        command.Parameters.AddWithValue((object?)user.Name ?? DBNull.Value);
        command.Parameters.AddWithValue(user.UpdatedAt);
        command.Parameters.AddWithValue(expectedVersion);
        return await ExecuteAsync(command, user.Email, cancellationToken) == 1;
    }

    /// <summary>Marks the user deleted if the row is still at <paramref name="expectedVersion"/>; false otherwise.</summary>
    public async Task<bool> SoftDeleteAsync(Guid id, DateTimeOffset at, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE users SET is_deleted = true, deleted_at = $2, updated_at = $2, version = version + 1 WHERE id = $1 AND version = $3 AND NOT is_deleted");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(expectedVersion);
        return await ConfirmedCommit.ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken) == 1;
    }

    private async Task<int> ExecuteAsync(NpgsqlCommand command, string email, CancellationToken cancellationToken)
    {
        try
        {
            return await ConfirmedCommit.ExecuteNonQueryAsync(command, dataSource.ConnectionString, cancellationToken);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(EmailIndex))
        {
            throw EmailTaken(email);
        }
    }

    private static ConflictException EmailTaken(string email) => new("email", $"{email} is already used by another user");
}
