using LatticeLock.Grains.Abstractions.Errors;
using Npgsql;

namespace LatticeLock.Storage;

/// <summary>
/// Npgsql's exceptions have no Orleans codec, so one that crosses silos (an answer to a caller on another silo) or
/// reaches an Orleans client fails as an opaque serialization error. Database failures therefore leave grains as
/// <see cref="StorageFailureException"/>: message and SQLSTATE, nothing else (no inner exception to serialize).
/// </summary>
public static class StorageFailures
{
    /// <summary>The failure to throw in place of <paramref name="e"/>, or null when it is not a database failure.</summary>
    public static StorageFailureException? Translate(Exception e)
    {
        // Orleans wraps grain-storage failures (OrleansException from the state bridge) around Npgsql's.
        if ((e as NpgsqlException ?? e.InnerException as NpgsqlException) is not { } npgsql) return null;
        // The message names no host, address or driver text: it reaches clients in 503 bodies (the silo's log has the rest).
        return new StorageFailureException(npgsql is PostgresException pg
            ? $"database operation failed (SQLSTATE {pg.SqlState})"
            : "database operation failed: the database is unavailable", (npgsql as PostgresException)?.SqlState);
    }

    /// <summary>
    /// Runs a grain's activation (no grain call filter sees <c>OnActivateAsync</c>): a database failure there fails
    /// the activation with a <see cref="StorageFailureException"/>, which every caller on every silo can read.
    /// </summary>
    public static async Task GuardActivationAsync(Func<Task> activate)
    {
        try
        {
            await activate();
        }
        catch (Exception e) when (Translate(e) is { } failure)
        {
            throw failure;
        }
    }
}
