namespace LatticeLock.Grains.Projects;

/// <summary>
/// The one piece of project state without a table of its own: live budget reservations, short-lived holds kept as
/// JSON in Orleans' ADO.NET grain storage (state name <c>project</c>). Everything else about a project is its
/// <c>projects</c> row.
/// </summary>
public sealed class ProjectReservations
{
    public List<ReservationState> Reservations { get; set; } = [];
}
