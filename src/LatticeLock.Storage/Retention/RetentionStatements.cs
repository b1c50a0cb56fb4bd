using Npgsql;
using NpgsqlTypes;

namespace LatticeLock.Storage.Retention;

/// <summary>The parameters every retention statement starts with: <c>$1</c> workspace id(s), <c>$2</c> their cutoff(s).</summary>
internal static class RetentionStatements
{
    public static void AddCutoff(NpgsqlCommand command, RetentionCutoff cutoff)
    {
        command.Parameters.AddWithValue(cutoff.WorkspaceId);
        command.Parameters.AddWithValue(cutoff.Before);
    }

    public static void AddCutoffs(NpgsqlCommand command, IReadOnlyList<RetentionCutoff> cutoffs)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. cutoffs.Select(c => c.WorkspaceId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. cutoffs.Select(c => c.Before)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
    }
}
