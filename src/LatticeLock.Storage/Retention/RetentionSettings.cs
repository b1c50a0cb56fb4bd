using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Storage.Workspaces;
using Npgsql;

namespace LatticeLock.Storage.Retention;

/// <summary>
/// Every workspace's cutoffs of one pass: for each kind, the workspaces that set a retention for it and the instant
/// before which their rows have expired (now minus the days). Deleted workspaces keep their settings and are
/// included; a workspace without a setting keeps its rows.
/// </summary>
public sealed class RetentionSettings(IReadOnlyDictionary<RetentionKind, IReadOnlyList<RetentionCutoff>> cutoffs)
{
    public IReadOnlyList<RetentionCutoff> For(RetentionKind kind) => cutoffs.TryGetValue(kind, out var list) ? list : [];

    public bool IsEmpty => cutoffs.Values.All(c => c.Count == 0);

    /// <summary>The workspaces (at most <paramref name="limit"/>) that set any retention, by name: what an operator reviews.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name, bool Deleted, WorkspaceRetention Retention)>> ListAsync(NpgsqlDataSource dataSource, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, name, deleted_at IS NOT NULL, {WorkspaceRetentionColumns.List} FROM workspaces
            WHERE {WorkspaceRetentionColumns.AnySet} ORDER BY name, id LIMIT $1
            """);
        command.Parameters.AddWithValue(limit);
        var list = new List<(Guid, string, bool, WorkspaceRetention)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            list.Add((reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2), WorkspaceRetentionColumns.Read(reader, 3)));
        return list;
    }

    public static async Task<RetentionSettings> LoadAsync(NpgsqlDataSource dataSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT id, {WorkspaceRetentionColumns.List} FROM workspaces WHERE {WorkspaceRetentionColumns.AnySet} ORDER BY id");
        var lists = Enum.GetValues<RetentionKind>().ToDictionary(k => k, _ => new List<RetentionCutoff>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            var retention = WorkspaceRetentionColumns.Read(reader, 1);
            foreach (var (kind, days) in new[] { (RetentionKind.ModelRequests, retention.ModelRequests), (RetentionKind.Spans, retention.Spans), (RetentionKind.ChatTurns, retention.ChatTurns) })
            {
                if (days is { } d) lists[kind].Add(new RetentionCutoff(id, now.AddDays(-d)));
            }
        }
        return new RetentionSettings(lists.ToDictionary(p => p.Key, p => (IReadOnlyList<RetentionCutoff>)p.Value));
    }
}
