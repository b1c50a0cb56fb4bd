using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Auth;

/// <summary>The <c>auth_events</c> audit trail: failures, key creation and revocation.</summary>
public sealed class AuthEventLog(NpgsqlDataSource dataSource)
{
    public async Task RecordAsync(AuthEvent e, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO auth_events (key_prefix, user_id, outcome, reason, remote_address, user_agent)
            VALUES ($1, $2, $3, $4, $5, $6)
            """);
        command.Parameters.AddWithValue((object?)e.KeyPrefix ?? DBNull.Value);
        command.Parameters.AddNullable(e.UserId, NpgsqlDbType.Uuid);
        command.Parameters.AddWithValue(e.Outcome);
        command.Parameters.AddWithValue((object?)Truncate(e.Reason, 256) ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)Truncate(e.RemoteAddress, 64) ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)Truncate(e.UserAgent, 512) ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string? Truncate(string? value, int max) => value is { Length: > 0 } v && v.Length > max ? v[..max] : value;
}

/// <summary>One authentication event; <see cref="Outcome"/> is success, failure, created or revoked.</summary>
public sealed record AuthEvent(string Outcome, string? KeyPrefix, Guid? UserId, string? Reason, string? RemoteAddress = null, string? UserAgent = null);
