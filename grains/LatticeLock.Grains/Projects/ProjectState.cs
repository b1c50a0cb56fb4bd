using LatticeLock.Grains.Abstractions.Projects;

namespace LatticeLock.Grains.Projects;

public sealed class ProjectState
{
    public Guid OwnerId { get; set; }
    public string Name { get; set; } = "";
    public string? Path { get; set; }
    public ProjectStatus Status { get; set; }
    public ValidationStatus SchemaStatus { get; set; }
    public ValidationStatus SheriffStatus { get; set; }
    public ValidationStatus GauntletStatus { get; set; }
    public DateTimeOffset? LastValidated { get; set; }
    public int Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public List<ReservationState> Reservations { get; set; } = [];

    public bool Exists => Version > 0 && DeletedAt is null;
}
