namespace LatticeLock.Grains.Sessions;

/// <summary>What a session grain persists. Usage totals are not here: they are rebuilt from model_requests on activation.</summary>
public sealed class SessionState
{
    public Guid UserId { get; set; }
    public Guid? ProjectId { get; set; }
    public string? MetadataJson { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }

    public bool Exists => StartedAt != default;
}
