using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using Npgsql;

namespace LatticeLock.Storage.Users;

/// <summary>The <c>users</c> table. The case-insensitive unique index on email is what makes emails unique across the cluster.</summary>
public sealed class UserRepository(NpgsqlDataSource dataSource)
{
    private const string EmailIndex = "ux_users_email_ci";

    /// <summary>Inserts the user, or does nothing when a row with this id exists already (a retried create).</summary>
    public async Task InsertAsync(UserProfile user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO users (id, email, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING");
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(user.Email);
        command.Parameters.AddWithValue((object?)user.Name ?? DBNull.Value);
        command.Parameters.AddWithValue(user.CreatedAt);
        await ExecuteAsync(command, user.Email, cancellationToken);
    }

    /// <summary>The stored user and when it was deleted (null when live), or null when there is no row.</summary>
    public async Task<(UserProfile User, DateTimeOffset? DeletedAt)?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT email, name, created_at, updated_at, deleted_at FROM users WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (new UserProfile(id, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
    }

    public async Task UpdateAsync(UserProfile user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE users SET email = $2, name = $3, updated_at = $4 WHERE id = $1 AND NOT is_deleted");
        command.Parameters.AddWithValue(user.Id);
        command.Parameters.AddWithValue(user.Email);
        command.Parameters.AddWithValue((object?)user.Name ?? DBNull.Value);
        command.Parameters.AddWithValue(user.UpdatedAt);
        await ExecuteAsync(command, user.Email, cancellationToken);
    }

    public async Task SoftDeleteAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE users SET is_deleted = true, deleted_at = $2, updated_at = $2 WHERE id = $1 AND NOT is_deleted");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlCommand command, string email, CancellationToken cancellationToken)
    {
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.IsUniqueViolation(EmailIndex))
        {
            throw new ConflictException("email", $"{email} is already used by another user");
        }
    }
}
