using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Auth;

/// <summary>
/// The <c>auth_failures</c> table: refused authentications counted per minute, key prefix and client address, and the
/// retention of it and of <c>auth_events</c>.
/// </summary>
public sealed class AuthFailureLog(NpgsqlDataSource dataSource)
{
    /// <summary>Adds the counts in one statement; a row that exists for the same minute, prefix and address grows.</summary>
    public async Task AddAsync(IReadOnlyCollection<AuthFailureCount> counts, CancellationToken cancellationToken)
    {
        if (counts.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO auth_failures AS f (minute, key_prefix, remote_address, attempts, last_reason, last_user_agent)
            SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
            ON CONFLICT (minute, key_prefix, remote_address) DO UPDATE
            SET attempts = f.attempts + excluded.attempts, last_reason = excluded.last_reason, last_user_agent = excluded.last_user_agent
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => c.Minute).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => Truncate(c.KeyPrefix, 32)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => Truncate(c.RemoteAddress, 64)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => c.Attempts).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => Truncate(c.LastReason, 256)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = counts.Select(c => c.LastUserAgent is null ? null : Truncate(c.LastUserAgent, 512)).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes failure counts and audit events older than <paramref name="before"/>; returns the rows removed.</summary>
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH f AS (DELETE FROM auth_failures WHERE minute < $1 RETURNING 1),
                 e AS (DELETE FROM auth_events WHERE occurred_at < $1 RETURNING 1)
            SELECT (SELECT count(*) FROM f) + (SELECT count(*) FROM e)
            """);
        command.Parameters.AddWithValue(before);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Truncate(string value, int max) => value.Length > max ? value[..max] : value;
}

/// <summary>Refused authentications in one minute for one key prefix ('' when none) and client address.</summary>
public sealed record AuthFailureCount(DateTimeOffset Minute, string KeyPrefix, string RemoteAddress, long Attempts, string LastReason, string? LastUserAgent);
