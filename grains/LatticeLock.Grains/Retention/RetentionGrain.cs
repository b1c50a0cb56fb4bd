using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Retention;
using LatticeLock.Storage.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Retention;

/// <summary>
/// The one retention job of the cluster: a grain timer runs a <see cref="RetentionSweeper"/> pass every
/// <see cref="RetentionOptions.Interval"/> (the first right away); a reminder re-activates it after a silo crash or a
/// move. Passes never overlap (the grain runs one call at a time). Chats that lost turns are told, so no silo serves a
/// removed turn from its cache.
/// </summary>
public sealed class RetentionGrain(RetentionSweeper sweeper, IOptions<RetentionOptions> options, ILogger<RetentionGrain> logger)
    : Grain, IRetentionGrain, IRemindable
{
    private const string ReminderName = "retention";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(5);
    private const int ChatNoticesAtOnce = 64;

    private IGrainTimer? _timer;

    public async Task Start()
    {
        if (!options.Value.Enabled) return;
        if (await this.GetReminder(ReminderName) is null)
            await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        _timer ??= this.RegisterGrainTimer(PassAsync, new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.Interval) { KeepAlive = true });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Start();

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        try
        {
            await sweeper.RunPassAsync(options.Value.BatchSize, TellChatsAsync, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The retention pass failed; the next one runs in {Interval}", options.Value.Interval);
        }
    }

    /// <summary>Tells the chats, <see cref="ChatNoticesAtOnce"/> at a time (a batch may touch thousands).</summary>
    private async Task TellChatsAsync(IReadOnlyCollection<Guid> chats)
    {
        foreach (var chunk in chats.Chunk(ChatNoticesAtOnce)) await Task.WhenAll(chunk.Select(TellChatAsync));
    }

    private async Task TellChatAsync(Guid chat)
    {
        try
        {
            await GrainFactory.GetGrain<IChatGrain>(chat).TurnsExpired();
        }
        catch (Exception e)
        {
            // Its activation may serve a removed turn from memory until it is collected; logged, not retried.
            logger.LogWarning(e, "Chat {ChatId} lost expired turns but could not be told to forget its cache", chat);
        }
    }
}
