using System.Diagnostics.Metrics;

namespace LatticeLock.Grains.Projects;

/// <summary>Budget decisions on the <c>LatticeLock.Budgets</c> meter: reservations granted and refused (402).</summary>
public static class BudgetMeter
{
    public const string Name = "LatticeLock.Budgets";
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Reservations = Meter.CreateCounter<long>("latticelock.budget.reservations", "{reservation}", "Reservation decisions");

    public static void Granted() => Reservations.Add(1, new KeyValuePair<string, object?>("outcome", "granted"));
    public static void Refused() => Reservations.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
}
