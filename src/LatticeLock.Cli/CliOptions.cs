using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Cli;

/// <summary>Options that read values the way the HTTP API does, with errors in the user's terms (no .NET type names).</summary>
public static class CliOptions
{
    /// <summary>An RFC 3339 timestamp with an explicit offset, exactly as the HTTP API accepts it.</summary>
    public static Option<DateTimeOffset?> Timestamp(string name, string description) => new(name)
    {
        Description = description + " (RFC 3339 with an offset, e.g. 2026-11-23T10:00:00Z)",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Rfc3339.TryParse(text, out var value)) return value;
            result.AddError($"{name} must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T10:00:00Z (got '{text}')");
            return null;
        },
    };

    /// <summary>A UTC calendar day, yyyy-MM-dd.</summary>
    public static Option<DateOnly?> Day(string name, string description) => new(name)
    {
        Description = description + " (yyyy-MM-dd, UTC)",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)) return value;
            result.AddError($"{name} must be a day written yyyy-MM-dd, e.g. 2026-11-01 (got '{text}')");
            return null;
        },
    };
}
