using LatticeLock.Grains.Abstractions.Errors;

namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// How many days a workspace keeps its model requests, spans and chat turns; <c>null</c> keeps them (the default).
/// The retention job removes what is older (docs/retention.md); cost aggregates are kept whatever these say.
/// </summary>
[GenerateSerializer, Immutable, Alias("ll.WorkspaceRetention")]
public sealed record WorkspaceRetention(int? ModelRequests, int? Spans, int? ChatTurns)
{
    /// <summary>The longest retention that may be set: ten years (3,650 days); the shortest is one day.</summary>
    public const int MaxDays = 3650;

    public static readonly WorkspaceRetention KeepEverything = new(null, null, null);

    /// <summary>Whether any kind of row expires.</summary>
    public bool ExpiresAnything => ModelRequests is not null || Spans is not null || ChatTurns is not null;

    /// <summary>400 naming <c>retention_days.&lt;kind&gt;</c> when a value lies outside 1…<see cref="MaxDays"/>.</summary>
    public WorkspaceRetention Validated()
    {
        Check(ModelRequests, "model_requests");
        Check(Spans, "spans");
        Check(ChatTurns, "chat_turns");
        return this;
    }

    private static void Check(int? days, string kind)
    {
        if (days is < 1 or > MaxDays)
            throw new InvalidFieldException($"retention_days.{kind}", $"must be a whole number of days from 1 to {MaxDays}, or null to keep every row (is {days})");
    }
}
