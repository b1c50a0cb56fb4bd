using System.Text.RegularExpressions;
using LatticeLock.Metrics.Abstractions;
using Microsoft.Extensions.Options;

namespace LatticeLock.Metrics.Bigtable;

/// <summary>Fails start-up with messages naming each missing or out-of-range <c>Metrics:Bigtable</c> setting.</summary>
public sealed partial class BigtableOptionsValidator : IValidateOptions<BigtableOptions>
{
    private const string S = BigtableOptions.Section;

    public ValidateOptionsResult Validate(string? name, BigtableOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ProjectId)) errors.Add($"{S}:ProjectId is required");
        if (string.IsNullOrWhiteSpace(o.InstanceId)) errors.Add($"{S}:InstanceId is required");
        if (string.IsNullOrWhiteSpace(o.TableId)) errors.Add($"{S}:TableId is required");
        else if (!TableId().IsMatch(o.TableId)) errors.Add($"{S}:TableId may hold only letters, digits, '-', '_' and '.' (got {o.TableId})");
        if (string.IsNullOrWhiteSpace(o.ColumnFamily)) errors.Add($"{S}:ColumnFamily is required");
        else if (!FamilyName().IsMatch(o.ColumnFamily)) errors.Add($"{S}:ColumnFamily may hold only letters, digits, '-', '_' and '.' (got {o.ColumnFamily})");
        SinkSettingsValidation.CheckEndpoint(errors, $"{S}:Endpoint (or ConnectionStrings:{BigtableOptions.ConnectionStringName})", o.Endpoint);
        if (o.MetadataTokenUrl is null || !o.MetadataTokenUrl.IsAbsoluteUri) errors.Add($"{S}:MetadataTokenUrl must be an absolute URL (got {o.MetadataTokenUrl})");
        if (o.MaxMutationsPerCall is < 10 or > 100_000) errors.Add($"{S}:MaxMutationsPerCall must be between 10 and 100000 (got {o.MaxMutationsPerCall})");
        SinkSettingsValidation.Check(errors, S, o.MaxAttempts, o.InitialBackoff, o.MaxBackoff);
        if (o.CallTimeout < TimeSpan.FromMilliseconds(100) || o.CallTimeout > TimeSpan.FromMinutes(10)) errors.Add($"{S}:CallTimeout must be between 100 ms and 10 minutes (got {o.CallTimeout})");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,50}$")]
    private static partial Regex TableId();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex FamilyName();
}
