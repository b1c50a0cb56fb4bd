namespace LatticeLock.Grains.Projects;

/// <summary>A granted budget reservation, kept in the project grain's persisted state so it survives restarts.</summary>
public sealed class ReservationState
{
    public Guid Id { get; set; }
    public decimal EstimatedCostUsd { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was granted; a request settling it was recorded after this. Unset in state written before it existed.</summary>
    public DateTimeOffset? GrantedAt { get; set; }
}
