using Microsoft.Extensions.Options;

namespace LatticeLock.Storage.Replication;

/// <summary>Fails start-up naming each bad <c>LatticeLock:Replication</c> setting.</summary>
public sealed class ReplicationOptionsValidator : IValidateOptions<ReplicationOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicationOptions o)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(o.SynchronousStandbyLoss))
            errors.Add($"{ReplicationOptions.Section}:SynchronousStandbyLoss must be Block or Degrade (got {o.SynchronousStandbyLoss})");
        if (o.SynchronousStandbyLoss == SynchronousStandbyLoss.Degrade && string.IsNullOrWhiteSpace(o.SynchronousStandbyNames))
            errors.Add($"{ReplicationOptions.Section}:SynchronousStandbyNames must name the synchronous standby (e.g. 'standby') when SynchronousStandbyLoss is Degrade: it is what is put back once a standby streams again");
        if (o.CheckInterval < TimeSpan.FromMilliseconds(100) || o.CheckInterval > TimeSpan.FromMinutes(1))
            errors.Add($"{ReplicationOptions.Section}:CheckInterval must be between 100 ms and 1 minute (got {o.CheckInterval})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
