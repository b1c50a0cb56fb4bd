using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage;

internal static class NpgsqlParameterExtensions
{
    /// <summary>Adds a positional parameter that may be null; the type is explicit so PostgreSQL need not infer it from a NULL.</summary>
    public static void AddNullable(this NpgsqlParameterCollection parameters, object? value, NpgsqlDbType type) =>
        parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
}
