using Orleans.Runtime;

namespace LatticeLock.IntegrationTests;

/// <summary>Test-only grains: where an activation lives, and whether reminders fire on our reminder table.</summary>
public interface ISiloProbeGrain : IGrainWithGuidKey
{
    Task<string> Where();
}

public sealed class SiloProbeGrain(ILocalSiloDetails silo) : Grain, ISiloProbeGrain
{
    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());
}

public interface IReminderProbeGrain : IGrainWithGuidKey
{
    Task Arm();
    Task<int> Ticks();
    Task Disarm();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private int _ticks;

    public async Task Arm() => await this.RegisterOrUpdateReminder("probe", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    public Task<int> Ticks() => Task.FromResult(_ticks);

    public async Task Disarm()
    {
        var reminder = await this.GetReminder("probe");
        if (reminder is not null) await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}

/// <summary>Reserves budget from wherever this activation was placed, so reservations arrive from several silos.</summary>
public interface IReservingProbeGrain : IGrainWithGuidKey
{
    Task<ReservationOutcome> ReserveMany(Guid projectId, int count, decimal estimateUsd);
}

[GenerateSerializer]
public sealed record ReservationOutcome([property: Id(0)] string Silo, [property: Id(1)] decimal[] Granted, [property: Id(2)] int Refused);

[Orleans.Placement.RandomPlacement]
public sealed class ReservingProbeGrain(ILocalSiloDetails silo) : Grain, IReservingProbeGrain
{
    public async Task<ReservationOutcome> ReserveMany(Guid projectId, int count, decimal estimateUsd)
    {
        var project = GrainFactory.GetGrain<LatticeLock.Grains.Abstractions.Projects.IProjectGrain>(projectId);
        var attempts = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            try
            {
                return (await project.Reserve(new LatticeLock.Grains.Abstractions.Budgets.ReserveBudget(estimateUsd))).EstimatedCostUsd;
            }
            catch (LatticeLock.Grains.Abstractions.Errors.BudgetExceededException)
            {
                return -1m;
            }
        }));
        return new ReservationOutcome(silo.SiloAddress.ToString(), [.. attempts.Where(a => a > 0)], attempts.Count(a => a < 0));
    }
}
