using LatticeLock.Storage.Retention;
using Microsoft.Extensions.Options;

namespace LatticeLock.Grains.Retention;

/// <summary>Fails start-up naming the <c>Retention</c> setting that is out of range.</summary>
public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    private const string S = RetentionOptions.Section;

    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        if (o.Interval < TimeSpan.FromSeconds(1) || o.Interval > TimeSpan.FromDays(1)) errors.Add($"{S}:Interval must be between 00:00:01 and 1.00:00:00 (is {o.Interval})");
        if (o.BatchSize is < RetentionSweeper.MinBatchSize or > RetentionSweeper.MaxBatchSize)
            errors.Add($"{S}:BatchSize must be {RetentionSweeper.MinBatchSize} to {RetentionSweeper.MaxBatchSize} (is {o.BatchSize})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
