using Orleans.Runtime;

namespace LatticeLock.Tests.Infrastructure;

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
