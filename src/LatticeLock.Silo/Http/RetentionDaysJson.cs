using System.Text.Json;
using LatticeLock.Grains.Abstractions.Workspaces;

namespace LatticeLock.Silo.Http;

/// <summary>
/// <c>retention_days</c> of a workspace on the wire: <c>{"model_requests": 90, "spans": 365, "chat_turns": null}</c>.
/// In a PATCH each key given replaces that kind's days (<c>null</c> keeps every row), a key left out keeps its setting.
/// </summary>
public static class RetentionDaysJson
{
    public sealed record RetentionDays(int? ModelRequests, int? Spans, int? ChatTurns)
    {
        public static RetentionDays From(WorkspaceRetention r) => new(r.ModelRequests, r.Spans, r.ChatTurns);
    }

    private static readonly string[] Kinds = ["model_requests", "spans", "chat_turns"];

    /// <summary>The setting after applying <paramref name="patch"/> (absent: null, no change) to <paramref name="current"/>.</summary>
    public static WorkspaceRetention? Merge(WorkspaceRetention current, JsonElement patch)
    {
        if (patch.ValueKind == JsonValueKind.Undefined) return null;
        if (patch.ValueKind != JsonValueKind.Object)
            throw ApiProblem.BadRequest("retention_days", "retention_days: must be an object such as {\"model_requests\": 90, \"spans\": 365, \"chat_turns\": null}");
        var merged = current;
        foreach (var property in patch.EnumerateObject())
        {
            var field = $"retention_days.{property.Name}";
            int? days = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number when property.Value.TryGetInt32(out var d) => d,
                _ => throw ApiProblem.BadRequest(field, $"{field}: must be a whole number of days from 1 to {WorkspaceRetention.MaxDays}, or null to keep every row"),
            };
            merged = property.Name switch
            {
                "model_requests" => merged with { ModelRequests = days },
                "spans" => merged with { Spans = days },
                "chat_turns" => merged with { ChatTurns = days },
                _ => throw ApiProblem.BadRequest(field, $"{field}: is not a kind of record; use {string.Join(", ", Kinds)}"),
            };
        }
        return merged.Validated();
    }
}
