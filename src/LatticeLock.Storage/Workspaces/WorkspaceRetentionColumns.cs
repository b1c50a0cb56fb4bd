using LatticeLock.Grains.Abstractions.Workspaces;
using Npgsql;

namespace LatticeLock.Storage.Workspaces;

/// <summary>The three <c>workspaces.retention_*_days</c> columns (null = keep): their list, and one way to read them.</summary>
public static class WorkspaceRetentionColumns
{
    public const string List = "retention_model_requests_days, retention_spans_days, retention_chat_turns_days";

    /// <summary>Rows where any of the three is set.</summary>
    public const string AnySet = "(retention_model_requests_days IS NOT NULL OR retention_spans_days IS NOT NULL OR retention_chat_turns_days IS NOT NULL)";

    /// <summary>The three columns from <paramref name="first"/> on, in <see cref="List"/>'s order.</summary>
    public static WorkspaceRetention Read(NpgsqlDataReader reader, int first)
    {
        int? Days(int i) => reader.IsDBNull(i) ? null : reader.GetInt32(i);
        return new WorkspaceRetention(Days(first), Days(first + 1), Days(first + 2));
    }
}
