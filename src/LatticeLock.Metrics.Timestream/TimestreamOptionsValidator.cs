using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Timestream;

/// <summary>Fails start-up with messages naming each missing or out-of-range <c>Metrics:Timestream</c> setting.</summary>
public sealed class TimestreamOptionsValidator : IValidateOptions<TimestreamOptions>
{
    private const string S = TimestreamOptions.Section;

    public ValidateOptionsResult Validate(string? name, TimestreamOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Region)) errors.Add($"{S}:Region is required (e.g. us-east-1)");
        if (string.IsNullOrWhiteSpace(o.Database)) errors.Add($"{S}:Database is required");
        if (string.IsNullOrWhiteSpace(o.Table)) errors.Add($"{S}:Table is required");
        if (string.IsNullOrWhiteSpace(o.MeasureName)) errors.Add($"{S}:MeasureName must not be empty");
        SinkSettingsValidation.CheckEndpoint(errors, $"{S}:Endpoint (or ConnectionStrings:{TimestreamOptions.ConnectionStringName})", o.Endpoint);
        SinkSettingsValidation.CheckEndpoint(errors, $"{S}:DiscoveryEndpoint", o.DiscoveryEndpoint);
        var credentials = AwsCredentials.From(o);
        if (credentials is null)
        {
            if (string.IsNullOrWhiteSpace(o.AccessKeyId) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AwsCredentials.AccessKeyIdVariable)))
                errors.Add($"{S}:AccessKeyId is required (or the environment variable {AwsCredentials.AccessKeyIdVariable})");
            if (string.IsNullOrWhiteSpace(o.SecretAccessKey) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(AwsCredentials.SecretAccessKeyVariable)))
                errors.Add($"{S}:SecretAccessKey is required (or the environment variable {AwsCredentials.SecretAccessKeyVariable})");
        }
        if (o.MaxRecordsPerCall is < 1 or > 100) errors.Add($"{S}:MaxRecordsPerCall must be between 1 and 100 (got {o.MaxRecordsPerCall})");
        SinkSettingsValidation.Check(errors, S, o.MaxAttempts, o.InitialBackoff, o.MaxBackoff);
        if (o.RequestTimeout < TimeSpan.FromMilliseconds(100) || o.RequestTimeout > TimeSpan.FromMinutes(5)) errors.Add($"{S}:RequestTimeout must be between 100 ms and 5 minutes (got {o.RequestTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
